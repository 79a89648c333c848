package dev.anomalyedge.engine.trt;

import dev.anomalyedge.engine.EngineException;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.javacpp.Loader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/** The real probe on a box without the natives (this development machine: no driver, no GPU, no TensorRT). */
class TrtNativesTest {
    @TempDir
    Path dir;

    private static TrtAvailability absent() {
        TrtAvailability a = TrtNatives.probe();
        assumeFalse(a.available(), "TensorRT natives and a GPU are present here (" + a.reason() + "); the absent-natives tests do not apply");
        return a;
    }

    @Test
    void withoutNativesTheProbeReportsTheRealLinkErrorAndDoesNotThrow() {
        TrtAvailability a = absent();
        System.out.println("probe: " + a.reason());
        assertFalse(a.available());
        assertNull(a.tensorrtVersion());
        // the reason names the missing library (here the driver's libcuda.so.1; on a GPU box without TensorRT libnvinfer)
        assertTrue(a.reason().matches(".*lib(cuda|cudart|nvinfer|nvonnxparser)\\S*\\.so.*"), a.reason());
        assertFalse(a.reason().contains("NoClassDefFoundError"), "the first load's real error must be kept: " + a.reason());
    }

    @Test
    void theProbeRunsOnceAndIsNotRetried() {
        TrtAvailability first = TrtNatives.probe();
        TrtAvailability second = TrtNatives.probe();
        assertSame(first, second);
        assertEquals(1, TrtNatives.probeRuns());
        if (!first.available() && first.reason().startsWith("cannot load the CUDA runtime natives")) {
            // what a retry would meet: JavaCPP left the preset class uninitialised
            assertThrows(NoClassDefFoundError.class, () -> Loader.load(cudart.class));
            assertSame(first, TrtNatives.probe()); // and the remembered reason is still the real one
        }
    }

    @Test
    void requireNamesTheReason() {
        TrtAvailability a = absent();
        var e = assertThrows(EngineException.class, TrtNatives::require);
        assertEquals("TensorRT is not available: " + a.reason(), e.getMessage());
    }

    @Test
    void theDriverIsFoundByFileAloneBeforeAnythingIsLoaded() throws IOException {
        Path lib = Files.createDirectories(dir.resolve("lib")), none = dir.resolve("none");
        LibrarySearch empty = new LibrarySearch(List.of(lib));
        assertEquals("no NVIDIA driver: libcuda.so.1 is not in " + lib + ", and there is no " + none.resolve("proc") + " or " + none.resolve("dev")
                + " (nothing was loaded)", TrtNatives.noDriver(empty, none.resolve("proc"), none.resolve("dev")));
        Files.createDirectories(dir.resolve("proc"));
        assertNull(TrtNatives.noDriver(empty, dir.resolve("proc"), none), "/proc/driver/nvidia is enough");
        Files.write(dir.resolve("nvidiactl"), new byte[0]);
        assertNull(TrtNatives.noDriver(empty, none, dir.resolve("nvidiactl")), "/dev/nvidiactl is enough");
        Files.write(lib.resolve("libcuda.so.1"), new byte[0]);
        assertNull(TrtNatives.noDriver(empty, none, none), "libcuda.so.1 on the search path is enough");
    }

    @Test
    void causesJoinsTheChainDownToTheRoot() {
        var root = new UnsatisfiedLinkError("/cache/libjnicudart.so: libcuda.so.1: cannot open shared object file");
        var outer = new UnsatisfiedLinkError("no jnicudart in java.library.path");
        outer.initCause(root);
        assertEquals("java.lang.UnsatisfiedLinkError: no jnicudart in java.library.path <- java.lang.UnsatisfiedLinkError: "
                + "/cache/libjnicudart.so: libcuda.so.1: cannot open shared object file", dev.anomalyedge.util.Causes.chain(outer));
    }
}
