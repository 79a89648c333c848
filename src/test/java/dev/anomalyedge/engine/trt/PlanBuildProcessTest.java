package dev.anomalyedge.engine.trt;

import dev.anomalyedge.engine.EngineException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class PlanBuildProcessTest {
    @TempDir
    Path dir;

    static final TrtAvailability H200 = TrtAvailability.available(new GpuDevice(0, "NVIDIA H200", 9, 0, 140L << 30), "10.15.1.29");

    @Test
    void theChildIsThisApplicationsBuildEngineCommand() {
        assertEquals(List.of("/jdk/bin/java", "-Dorg.bytedeco.javacpp.cachedir=/c", "-Xmx1g", "-XX:+ExitOnOutOfMemoryError",
                        "-Dquarkus.log.console.level=INFO", "-jar", "/app/quarkus-run.jar", "build-engine"),
                PlanBuildProcess.javaCommand("/jdk", "/app/quarkus-run.jar", List.of("-Dorg.bytedeco.javacpp.cachedir=/c")));
        assertEquals(List.of("/jdk/bin/java", "-Xmx1g", "-XX:+ExitOnOutOfMemoryError", "-Dquarkus.log.console.level=INFO", "-cp",
                        "/a.jar:/b", "dev.anomalyedge.cli.BuildEngineCommand"),
                PlanBuildProcess.javaCommand("/jdk", "/a.jar:/b", List.of()));
        assertEquals("/jdk/bin/java -cp <2 class path entries> dev.anomalyedge.cli.BuildEngineCommand",
                PlanBuildProcess.shown(List.of("/jdk/bin/java", "-cp", "/a.jar:/b", "dev.anomalyedge.cli.BuildEngineCommand")));
        PlanBuildProcess.Request r = new PlanBuildProcess.Request(Path.of("/models/m/1"), TrtPrecision.FP16, BatchProfile.upTo(8, 32), 4L << 30, true);
        assertEquals(List.of("--bundle", "/models/m/1", "--precision", "fp16", "--max-batch", "32", "--opt-batch", "8", "--workspace-mib", "4096",
                "--head-images", "8", "--force"), PlanBuildProcess.arguments(r));
    }

    /** The real child JVM on this box (no driver): it runs build-engine, which exits 2, and its words reach the caller. */
    @Test
    void aFailingChildBuildReportsItsErrorText() throws IOException {
        assumeTrue(!TrtNatives.probe().available(), "TensorRT is available here");
        Files.write(dir.resolve("visual.onnx"), new byte[] {1});
        List<String> lines = new ArrayList<>();
        List<String> java = PlanBuildProcess.javaCommand(System.getProperty("java.home"), System.getProperty("java.class.path"), List.of());
        PlanBuildProcess.Request r = new PlanBuildProcess.Request(dir, TrtPrecision.FP16, BatchProfile.upTo(8, 32), 1L << 30, false);
        var e = assertThrows(EngineException.class, () -> PlanBuildProcess.build(r, H200, Duration.ofMinutes(2), java, lines::add));
        assertTrue(e.getMessage().startsWith("TensorRT plan build for " + dir + " failed (exit 2 after "), e.getMessage());
        assertTrue(e.getMessage().contains("cannot build a TensorRT plan here: " + TrtNatives.probe().reason()), e.getMessage());
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("cannot build a TensorRT plan here: ")), "streamed: " + lines);
    }

    @Test
    void aChildThatLeavesNoPlanIsAnError() throws IOException {
        Files.write(dir.resolve("visual.onnx"), new byte[] {1});
        // a "build" that succeeds without writing anything: the JVM's own version check
        List<String> java = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-version");
        PlanBuildProcess.Request r = new PlanBuildProcess.Request(dir, TrtPrecision.FP16, BatchProfile.upTo(8, 32), 1L << 30, false);
        var e = assertThrows(EngineException.class, () -> PlanBuildProcess.build(r, H200, Duration.ofMinutes(1), java, line -> { }));
        assertTrue(e.getMessage().startsWith("the plan build for " + dir + " exited 0 but left no usable plan nvidia-h200-sm90-trt10.15.1-fp16: "
                + "missing: no plan nvidia-h200-sm90-trt10.15.1-fp16.plan yet; last output: "), e.getMessage());
    }
}
