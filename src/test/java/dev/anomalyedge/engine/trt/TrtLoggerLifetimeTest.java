package dev.anomalyedge.engine.trt;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * TensorRT keeps the logger it is given; the stand-in TensorRT ({@link NativeStubs}) logs through the logger of the
 * previous factory call, as the real one may. An engine open and a plan build that fail (the stand-in factories return
 * NULL) must leave that logger alive: one process-wide logger, never freed. Before the fix each of them closed its own
 * logger, and the second factory call logged through freed memory.
 */
class TrtLoggerLifetimeTest {
    @TempDir
    Path dir;

    @Test
    void oneLoggerOutlivesFailedOpensAndBuilds() throws IOException {
        Path stubs = NativeStubs.compileAll(dir.resolve("stubs"));
        Path work = Files.createDirectories(dir.resolve("work"));
        NativeStubs.Run run = NativeStubs.java(StubbedTensorRtMain.class, Map.of("LD_LIBRARY_PATH", stubs.toString()), List.of(), "logger", work.toString());
        assertEquals(0, run.outcome().exitCode(), run.all());
        assertEquals("true", run.value("shared-twice"));
        assertTrue(run.value("open").contains("createInferRuntime failed (returned NULL): TensorRT said: stub: createInferRuntime returns NULL"),
                run.value("open"));
        // the builder factory logged through the logger the runtime factory had been given: it was still alive
        assertTrue(run.value("build").contains("TensorRT said: stub: the logger given before is still alive (builder) | "
                + "stub: createInferBuilder returns NULL"), run.value("build"));
        assertEquals("true", run.value("same-logger"), "TensorRT was given the shared logger");
        assertEquals("true", run.value("logger-allocated"));
    }

    @Test
    void aFailedBuilderNamesTheMissingBuilderResource() throws IOException {
        Path stubs = NativeStubs.compileAll(dir.resolve("stubs"));
        Path work = Files.createDirectories(dir.resolve("work"));
        NativeStubs.Run run = NativeStubs.java(StubbedTensorRtMain.class, Map.of("LD_LIBRARY_PATH", stubs.toString()), List.of(), "logger", work.toString());
        String build = run.value("build");
        assertTrue(build.contains(" - libnvinfer_builder_resource_sm90.so.10.15.1 was not found (searched " + stubs + ":"), build);
        assertTrue(build.endsWith(": install TensorRT 10.15.1's builder resources (NVIDIA's libnvinfer10 package or tar archive) "
                + "and put their directory on LD_LIBRARY_PATH or in /etc/ld.so.conf.d"), build);
        assertTrue(run.all().contains("builder resource libnvinfer_builder_resource_sm90.so.10.15.1 not found (searched " + stubs + ":"), run.all());

        // next to libnvinfer (where its $ORIGIN run path finds it) the file is found and the message has no hint
        Files.write(stubs.resolve("libnvinfer_builder_resource_sm90.so.10.15.1"), new byte[] {0});
        NativeStubs.Run again = NativeStubs.java(StubbedTensorRtMain.class, Map.of("LD_LIBRARY_PATH", stubs.toString()), List.of(), "logger", work.toString());
        assertTrue(again.value("build").endsWith("stub: createInferBuilder returns NULL"), again.value("build"));
        assertTrue(again.all().contains("builder resource libnvinfer_builder_resource_sm90.so.10.15.1 at "
                + stubs.resolve("libnvinfer_builder_resource_sm90.so.10.15.1")), again.all());
    }
}
