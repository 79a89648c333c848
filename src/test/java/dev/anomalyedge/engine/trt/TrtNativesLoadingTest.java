package dev.anomalyedge.engine.trt;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * What the probe loads, in fresh child JVMs: nothing at all without a driver (this machine: a CUDA 13 toolkit, no
 * driver), and with stand-in driver/CUDA/TensorRT libraries ({@link NativeStubs}) exactly TensorRT's two libraries
 * without the cuBLAS/cuDNN/NVRTC JNI glue the presets declare.
 */
class TrtNativesLoadingTest {
    @TempDir
    Path dir;

    @Test
    void withoutADriverTheProbeSaysSoAndMapsNoCudaLibrary() {
        String noDriver = TrtNatives.noDriver(LibrarySearch.standard(), Path.of("/proc/driver/nvidia"), Path.of("/dev/nvidiactl"));
        assumeTrue(noDriver != null, "this box has an NVIDIA driver");
        NativeStubs.Run run = NativeStubs.java(ProbeMain.class, Map.of(), List.of("-Dorg.bytedeco.javacpp.cachedir=" + dir.resolve("cache")));
        assertEquals(0, run.outcome().exitCode(), run.all());
        assertEquals("false", run.value("available"));
        assertTrue(run.value("reason").startsWith("no NVIDIA driver: libcuda.so.1 is not in "), run.value("reason"));
        assertTrue(run.value("reason").endsWith(", and there is no /proc/driver/nvidia or /dev/nvidiactl (nothing was loaded)"), run.value("reason"));
        List<String> cuda = run.mapped().stream().filter(p -> p.matches(".*/lib(cudart|cupti|cuda|nvinfer|nvonnxparser|jnicudart)\\b.*")).toList();
        assertEquals(List.of(), cuda, "a probe without a driver must not map CUDA libraries");
        assertFalse(Files.exists(dir.resolve("cache")), "nothing was even extracted");
    }

    @Test
    void tensorRtLoadsWithoutCublasCudnnOrNvrtc() throws IOException {
        Path stubs = NativeStubs.compileAll(dir.resolve("stubs"));
        NativeStubs.Run run = NativeStubs.java(StubbedTensorRtMain.class, Map.of("LD_LIBRARY_PATH", stubs.toString()), List.of(), "load");
        assertEquals(0, run.outcome().exitCode(), run.all());
        assertEquals("10.15.1.29", run.value("version"), run.all());
        assertEquals("[]", run.value("missing"));
        List<String> mapped = run.mapped();
        assertTrue(mapped.contains(stubs.resolve("libnvinfer.so.10").toString()), run.all());
        assertTrue(mapped.contains(stubs.resolve("libnvonnxparser.so.10").toString()), run.all());
        assertTrue(mapped.stream().anyMatch(p -> p.endsWith("/libjninvinfer.so")), run.all());
        assertTrue(mapped.stream().anyMatch(p -> p.endsWith("/libjninvonnxparser.so")), run.all());
        List<String> unwanted = mapped.stream().filter(p -> p.matches(".*/lib(jni)?(cublas|cublasLt|cudnn|nvrtc|nvinfer_plugin)\\b.*")).toList();
        assertEquals(List.of(), unwanted, "TensorRT inference must not need cuBLAS, cuDNN, NVRTC or the plugin library");
    }

    @Test
    void missingTensorRtLibrariesAreNamed() throws IOException {
        Path stubs = NativeStubs.compile(dir.resolve("stubs"), List.of("libcuda.so.1", "libcudart.so.13"));
        NativeStubs.Run run = NativeStubs.java(StubbedTensorRtMain.class, Map.of("LD_LIBRARY_PATH", stubs.toString()), List.of(), "load");
        assumeTrue(!run.value("missing").equals("[]"), "TensorRT is installed on this box");
        assertEquals("[libnvinfer.so.10, libnvonnxparser.so.10]", run.value("missing"));
        assertTrue(run.value("failed").contains("libnvinfer.so.10: cannot open shared object file"), run.value("failed"));
        assertFalse(run.value("failed").contains("libcublas"), run.value("failed"));
    }
}
