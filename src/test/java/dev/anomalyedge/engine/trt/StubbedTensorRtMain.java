package dev.anomalyedge.engine.trt;

import dev.anomalyedge.engine.EngineException;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.LongPointer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Child JVM main of the stand-in tests (LD_LIBRARY_PATH holds {@link NativeStubs}' libraries). Modes:
 * {@code load} loads TensorRT the way the probe does and prints the version, what is missing and what is mapped;
 * {@code logger DIR} then fails an engine open and a plan build in DIR (the stand-in factories return NULL) and
 * prints what happened to the logger.
 */
public final class StubbedTensorRtMain {
    public static void main(String[] args) throws Exception {
        Loader.load(cudart.class);
        try {
            TrtNatives.loadTensorRt();
            System.out.println("version=" + TrtNatives.tensorRtVersion());
        } catch (Throwable t) {
            System.out.println("failed=" + dev.anomalyedge.util.Causes.chain(t));
        }
        System.out.println("missing=" + LibrarySearch.standard().missing(TrtNatives.TENSORRT, f -> TrtNatives.bundled("tensorrt", f)));
        if (args.length > 1 && args[0].equals("logger")) logger(Path.of(args[1]));
        NativeStubs.printMappedLibraries();
    }

    private static void logger(Path dir) throws Exception {
        TrtLogger logger = TrtLogger.shared();
        System.out.println("shared-twice=" + (logger == TrtLogger.shared()));
        Path plan = Files.write(dir.resolve("x.plan"), new byte[] {1, 2, 3});
        try {
            TrtAnomalyEngine.openLoaded(plan, 0, 1).close();
        } catch (EngineException e) {
            System.out.println("open=" + e.getMessage());
        }
        Files.write(dir.resolve("visual.onnx"), new byte[] {1});
        TrtAvailability trt = TrtAvailability.available(new GpuDevice(0, "Stub GPU", 9, 0, 1L << 30), "10.15.1.29");
        TrtPlanBuilder.Request r = new TrtPlanBuilder.Request(dir.resolve("visual.onnx"), PlanCache.forBundle(dir), TrtPrecision.FP16,
                BatchProfile.upTo(8, 32), 1L << 30, PrecisionPolicy.standard(), Duration.ZERO);
        try {
            TrtPlanBuilder.build(r, trt);
        } catch (EngineException e) {
            System.out.println("build=" + e.getMessage());
        }
        long given = new LongPointer(Loader.addressof("stub_logger")).get();
        System.out.println("same-logger=" + (given == logger.address()));
        System.out.println("logger-allocated=" + !logger.isNull());
        System.out.println("errors=" + List.of(logger.lastErrors()));
    }
}
