package dev.anomalyedge.engine.select;

import dev.anomalyedge.engine.EngineException;
import dev.anomalyedge.engine.trt.TrtAvailability;
import dev.anomalyedge.engine.trt.TrtNatives;
import dev.anomalyedge.graph.GoldenVision;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/** Selection with the real probe and real backends where the natives are absent: ONNX Runtime runs, nothing throws. */
class EngineSelectorRealProbeTest {
    @TempDir
    Path bundle;

    @Test
    void autoFallsToOnnxRuntimeWithTheRealLinkErrorAndScores() throws IOException {
        TrtAvailability trt = TrtNatives.probe();
        assumeFalse(trt.available(), "TensorRT is available here: " + trt.reason());
        GoldenVision c = GoldenVision.load("case2_p16_s96_top");
        c.builder(c.settings()).write(bundle.resolve("visual.onnx"));
        EngineSelector selector = EngineSelector.standard(null);
        try (SelectedEngine e = selector.select(bundle, EngineSettings.defaults())) {
            assertEquals("onnxruntime-cpu", e.backend());
            assertEquals("onnxruntime-cpu", e.engine().backend());
            assertEquals("engine = auto and TensorRT is not available (" + trt.reason() + ")", e.reason());
            float[] scores = e.engine().score(c.image(0), 1).scores();
            assertEquals(c.npy("scores/image_score.npy").floats()[0], scores[0], 1e-5);
        }
        var strict = assertThrows(EngineException.class, () -> selector.select(bundle, EngineSettings.defaults().withMode(EngineMode.TENSORRT)));
        assertEquals("engine = tensorrt, but TensorRT is not available: " + trt.reason(), strict.getMessage());
        assertEquals(0, selector.fallbacks());
    }
}
