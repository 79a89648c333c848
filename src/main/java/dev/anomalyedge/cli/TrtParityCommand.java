package dev.anomalyedge.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.anomalyedge.engine.AnomalyEngine;
import dev.anomalyedge.engine.ort.OrtAnomalyEngine;
import dev.anomalyedge.engine.trt.BatchProfile;
import dev.anomalyedge.engine.trt.ModelDigest;
import dev.anomalyedge.engine.trt.PlanBuildProcess;
import dev.anomalyedge.engine.trt.PlanCache;
import dev.anomalyedge.engine.trt.PlanKey;
import dev.anomalyedge.engine.trt.PlanSidecar;
import dev.anomalyedge.engine.trt.TrtAnomalyEngine;
import dev.anomalyedge.engine.trt.TrtAvailability;
import dev.anomalyedge.engine.trt.TrtNatives;
import dev.anomalyedge.engine.trt.TrtParity;
import dev.anomalyedge.engine.trt.TrtParity.Parity;
import dev.anomalyedge.engine.trt.TrtParity.Timing;
import dev.anomalyedge.engine.trt.TrtPrecision;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code trt-parity --bundle DIR …}: the GPU check of {@code tensorrt-build/gpu-check.sh}. Opens the bundle's ONNX
 * Runtime (FP32) and TensorRT engines (building the plan in a child JVM first if needed), compares them on the same
 * random images with {@link TrtParity}, times both per batch size, prints the distribution of the deviations and the
 * timing table, and writes the report as JSON when {@code --json} is given. This command is the one place that holds
 * both engines; {@code engine.trt} itself never depends on {@code engine.ort}.
 *
 * <p>Exit status: 0 the comparison ran and every TensorRT output was finite; 1 a TensorRT output was NaN or infinite,
 * or the plan build failed; 2 TensorRT is not available, the bundle has no model, or a usage error.
 */
@Command(name = "trt-parity", mixinStandardHelpOptions = true,
        description = "Compare TensorRT with ONNX Runtime FP32 on the same images and time both (the GPU check).",
        exitCodeListHeading = "Exit status:%n",
        exitCodeList = {"0:the comparison ran and every TensorRT output was finite",
                "1:a TensorRT output was NaN or infinite, or the plan build failed",
                "2:TensorRT not available, no ONNX model in the bundle, or a usage error"})
public class TrtParityCommand implements Callable<Integer> {
    /** Seeds of the compared and of the timed images: the same images on every run. */
    static final long PARITY_SEED = 20240611L, TIMING_SEED = 7L;

    @Option(names = "--bundle", required = true, description = "bundle folder (holds visual.onnx)")
    Path bundle;

    @Option(names = "--images", defaultValue = "8", description = "random images to compare (default ${DEFAULT-VALUE})")
    int images;

    @Option(names = "--batch-sizes", defaultValue = "1,8,32", converter = BatchSizes.Converter.class,
            description = "TensorRT batch sizes to time (default ${DEFAULT-VALUE})")
    BatchSizes batchSizes;

    @Option(names = "--ort-batch-sizes", defaultValue = "1,8", converter = BatchSizes.Converter.class,
            description = "ONNX Runtime batch sizes to time (default ${DEFAULT-VALUE})")
    BatchSizes ortBatchSizes;

    @Option(names = "--iterations", defaultValue = "20", description = "timed TensorRT runs per batch size (default ${DEFAULT-VALUE})")
    int iterations;

    @Option(names = "--ort-iterations", defaultValue = "2", description = "timed ONNX Runtime runs per batch size (default ${DEFAULT-VALUE})")
    int ortIterations;

    @Option(names = "--precision", defaultValue = "fp16", description = "plan precision, fp16 or fp32 (default ${DEFAULT-VALUE})")
    String precision;

    @Option(names = "--max-batch", defaultValue = "32", description = "largest batch of the plan's profile (default ${DEFAULT-VALUE})")
    int maxBatch;

    @Option(names = "--opt-batch", defaultValue = "8", description = "batch the kernels are tuned for (default ${DEFAULT-VALUE})")
    int optBatch;

    @Option(names = "--workspace-mib", defaultValue = "4096", description = "builder workspace limit in MiB (default ${DEFAULT-VALUE})")
    int workspaceMib;

    @Option(names = "--head-images", defaultValue = "" + dev.anomalyedge.engine.trt.TrtFewShotHead.DEFAULT_BANK_IMAGES,
            description = "a plan build also builds the few-shot head plan for banks of up to this many images; 0: none (default ${DEFAULT-VALUE})")
    int headImages;

    @Option(names = "--no-build", description = "fail (exit 2) instead of building a missing or stale plan")
    boolean noBuild;

    @Option(names = "--json", description = "also write the report to this JSON file")
    Path json;

    /** Comma-separated positive batch sizes, e.g. {@code 1,8,32}. */
    record BatchSizes(int[] sizes) {
        static BatchSizes parse(String csv) {
            try {
                int[] v = Arrays.stream(csv.split(",")).map(String::trim).filter(s -> !s.isEmpty()).mapToInt(Integer::parseInt).toArray();
                if (v.length == 0 || Arrays.stream(v).anyMatch(i -> i < 1)) throw new NumberFormatException();
                return new BatchSizes(v);
            } catch (NumberFormatException e) {
                throw new CommandLine.TypeConversionException("expected a comma-separated list of positive integers, got '" + csv + "'");
            }
        }

        int max() {
            return Arrays.stream(sizes).max().orElse(1);
        }

        /** picocli's hook for {@link #parse}. */
        static final class Converter implements CommandLine.ITypeConverter<BatchSizes> {
            @Override
            public BatchSizes convert(String value) {
                return parse(value);
            }
        }
    }

    @Override
    public Integer call() {
        return run(System.out, System.err);
    }

    /** The command: the exit status, lines on {@code out} and problems on {@code err}. */
    int run(PrintStream out, PrintStream err) {
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("bundle", bundle.toString());
        TrtAvailability trt = TrtNatives.probe();
        report.put("tensorrt", trt.reason());
        if (!trt.available()) {
            err.println("TensorRT is not available: " + trt.reason());
            report.put("status", "tensorrt unavailable");
            writeJson(report, err);
            return 2;
        }
        TrtPrecision p = TrtPrecision.parse(precision);
        BatchProfile profile = BatchProfile.upTo(optBatch, maxBatch);
        PlanKey key = PlanKey.of(trt, p);
        PlanCache cache = PlanCache.forBundle(bundle);
        Path model = bundle.resolve(PlanCache.MODEL_FILE);
        if (!Files.isRegularFile(model)) {
            err.println(model + ": bundle has no ONNX model");
            return 2;
        }
        Double buildSeconds = null;
        PlanCache.Lookup lookup = cache.lookup(key, ModelDigest.sha256(model), maxBatch);
        out.println(trt.reason());
        report.put("builderResource", TrtParity.builderResource(trt));
        if (!lookup.matches()) {
            if (noBuild) {
                err.println("plan " + key.baseName() + " " + lookup.reason() + " and --no-build was given");
                return 2;
            }
            out.println("building " + key.baseName() + " because " + lookup.reason());
            try {
                buildSeconds = PlanBuildProcess.build(new PlanBuildProcess.Request(bundle, p, profile, (long) workspaceMib << 20, true, headImages), trt,
                        PlanBuildProcess.DEFAULT_TIMEOUT, line -> {
                            int at = line.indexOf(PlanBuildProcess.PEAK_MEMORY);
                            if (at >= 0) report.put("buildPeakResidentMemory", line.substring(at + PlanBuildProcess.PEAK_MEMORY.length()));
                        }).sidecar().buildSeconds();
            } catch (RuntimeException e) {
                err.println(e.getMessage());
                report.put("status", "plan build failed");
                report.put("error", e.getMessage());
                writeJson(report, err);
                return 1;
            }
        }
        PlanSidecar sidecar = cache.readSidecar(cache.sidecarFile(key));
        report.put("plan", Map.of("file", cache.planFile(key).toString(), "bytes", sidecar.planBytes(), "fp32Layers", sidecar.fp32Layers(),
                "profile", sidecar.profile().toString(), "buildSeconds", sidecar.buildSeconds(), "builtNow", buildSeconds != null));
        List<Timing> timings = new ArrayList<>();
        Parity parity, single;
        try (OrtAnomalyEngine ort = OrtAnomalyEngine.open(model);
             TrtAnomalyEngine gpu = TrtAnomalyEngine.open(cache.planFile(key), maxBatch, 1)) {
            int s = gpu.imageSize();
            report.put("imageSize", s);
            float[] x = TrtParity.randomImages(images, s, PARITY_SEED);
            int batch = Math.min(images, maxBatch);
            parity = TrtParity.compare(ort, gpu, x, images, batch);
            int two = Math.min(2, images);
            single = TrtParity.compare(ort, gpu, Arrays.copyOf(x, Math.toIntExact(AnomalyEngine.inputLength(two, s))), two, 1);
            out.println("parity TensorRT " + p.id() + " vs ONNX Runtime fp32, batch " + batch + ": " + parity);
            out.println("parity TensorRT " + p.id() + " vs ONNX Runtime fp32, batch 1: " + single);
            float[] timingImages = TrtParity.randomImages(Math.max(batchSizes.max(), ortBatchSizes.max()), s, TIMING_SEED);
            for (int b : batchSizes.sizes()) timings.add(TrtParity.time(gpu, timingImages, b, 3, iterations));
            for (int b : ortBatchSizes.sizes()) timings.add(TrtParity.time(ort, timingImages, b, 1, ortIterations));
        }
        out.print(TrtParity.table(timings, buildSeconds));
        boolean finite = parity.finite() && single.finite();
        report.put("status", finite ? "ran" : "non-finite TensorRT output");
        report.put("parity", parity);
        report.put("parityBatch1", single);
        report.put("provisionalTolerance", Map.of("map", TrtParity.MAP_TOLERANCE, "score", TrtParity.SCORE_TOLERANCE,
                "within", parity.within(TrtParity.MAP_TOLERANCE, TrtParity.SCORE_TOLERANCE)
                        && single.within(TrtParity.MAP_TOLERANCE, TrtParity.SCORE_TOLERANCE)));
        report.put("timings", timings);
        writeJson(report, err);
        out.println(finite ? "PARITY MEASURED (see the distribution; the tolerance is provisional)" : "PARITY FAILED: NaN or infinite TensorRT output");
        return finite ? 0 : 1;
    }

    /** Writes the report when {@code --json} was given; a failure to write is reported, not thrown. */
    void writeJson(Map<String, Object> report, PrintStream err) {
        if (json == null) return;
        try {
            if (json.getParent() != null) Files.createDirectories(json.getParent());
            JSON.writeValue(json.toFile(), report);
        } catch (IOException e) {
            err.println("cannot write " + json + ": " + e.getMessage());
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
}
