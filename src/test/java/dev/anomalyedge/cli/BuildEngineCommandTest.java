package dev.anomalyedge.cli;

import dev.anomalyedge.engine.trt.TrtAvailability;
import dev.anomalyedge.engine.trt.TrtNatives;
import dev.anomalyedge.graph.GoldenVision;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

class BuildEngineCommandTest {
    @TempDir
    Path bundle;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();

    private int run(String... args) {
        BuildEngineCommand cmd = new BuildEngineCommand();
        new CommandLine(cmd).parseArgs(args);
        return cmd.run(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8).trim();
    }

    @Test
    void optionsParseWithDefaults() {
        BuildEngineCommand cmd = new BuildEngineCommand();
        new CommandLine(cmd).parseArgs("--bundle", "b");
        assertEquals(Path.of("b"), cmd.bundle);
        assertEquals("fp16", cmd.precision);
        assertEquals(32, cmd.maxBatch);
        assertEquals(8, cmd.optBatch);
        assertEquals(4096, cmd.workspaceMib);
        assertFalse(cmd.force);
    }

    @Test
    void probeOnlySaysWhetherTensorRtCanRunHere() {
        TrtAvailability trt = TrtNatives.probe();
        assertEquals(trt.available() ? 0 : 2, run("--probe"));
        if (!trt.available()) assertEquals(trt.reason(), err());
        err.reset();
        assertEquals(1, run());
        assertEquals("build-engine needs --bundle DIR (or --probe)", err());
    }

    @Test
    void aBundleWithoutModelOrABadPrecisionFails() {
        assertEquals(1, run("--bundle", bundle.toString()));
        assertEquals(bundle.resolve("visual.onnx") + ": bundle has no ONNX model", err());
        err.reset();
        assertEquals(1, run("--bundle", bundle.toString(), "--precision", "int8"));
        assertEquals("build-engine failed: precision must be fp16 or fp32, got 'int8'", err());
    }

    @Test
    void withoutTensorRtItSaysWhyWithStatus2() throws IOException {
        TrtAvailability trt = TrtNatives.probe();
        assumeFalse(trt.available(), "TensorRT is available here: " + trt.reason());
        Files.writeString(bundle.resolve("visual.onnx"), "not parsed before the probe");
        assertEquals(2, run("--bundle", bundle.toString(), "--max-batch", "8"));
        assertEquals("cannot build a TensorRT plan here: " + trt.reason(), err());
    }

    @Test
    void theImageSizeComesFromTheModelInput() throws IOException {
        GoldenVision c = GoldenVision.load("case3_p14_s98_1head");
        c.builder(c.settings()).write(bundle.resolve("visual.onnx"));
        assertEquals(98, BuildEngineCommand.imageSize(bundle.resolve("visual.onnx")));
    }
}
