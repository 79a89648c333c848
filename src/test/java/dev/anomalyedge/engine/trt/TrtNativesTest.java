package dev.anomalyedge.engine.trt;

import dev.anomalyedge.engine.EngineException;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.javacpp.Loader;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/** The real probe on a box without the natives (this development machine: no driver, no GPU, no TensorRT). */
class TrtNativesTest {

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
        assertTrue(a.reason().contains("UnsatisfiedLinkError"), a.reason());
        // the root cause names the missing library (here the driver's libcuda.so.1; on a GPU box without TensorRT libnvinfer)
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
    void causesJoinsTheChainDownToTheRoot() {
        var root = new UnsatisfiedLinkError("/cache/libjnicudart.so: libcuda.so.1: cannot open shared object file");
        var outer = new UnsatisfiedLinkError("no jnicudart in java.library.path");
        outer.initCause(root);
        assertEquals("java.lang.UnsatisfiedLinkError: no jnicudart in java.library.path <- java.lang.UnsatisfiedLinkError: "
                + "/cache/libjnicudart.so: libcuda.so.1: cannot open shared object file", TrtNatives.causes(outer));
    }
}
