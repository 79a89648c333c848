package dev.anomalyedge.training;

import dev.anomalyedge.features.FeatureGraph;

import dev.anomalyedge.engine.select.EngineMode;
import dev.anomalyedge.engine.select.SelectedEngine;
import dev.anomalyedge.testing.Golden;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainingTest {
    /** ONNX Runtime features keep the keys of earlier caches; TensorRT's (FP16, slightly different) are cached apart. */
    @Test
    void featureCacheKeysSeparateBackends() {
        FeatureGraph g = new FeatureGraph(Path.of("visual.onnx"), "abc123");
        assertEquals("abc123", Training.featureKey(g, "onnxruntime-cpu"));
        assertEquals("abc123+tensorrt-fp16", Training.featureKey(g, "tensorrt-fp16"));
        assertNotEquals(Training.featureKey(g, "tensorrt-fp16"), Training.featureKey(g, "tensorrt-fp32"));
    }

    /** The feature engine is chosen as the service chooses, and the choice is logged with its reason. */
    @Test
    void theFeatureEngineIsSelectedLikeTheService() {
        DemoFixture fx = DemoFixture.get();
        Path graphDir = fx.untrainedBundle().dir();
        List<String> log = new ArrayList<>();
        TrainRequest onnx = TrainRequest.builder(fx.clip, dev.anomalyedge.demo.DemoModel.settings(), fx.train, Golden.tempDir("t-"))
                .engine(EngineMode.ONNXRUNTIME).threads(1).build();
        try (SelectedEngine e = Training.openEngine(graphDir, onnx, log::add)) {
            assertEquals("onnxruntime-cpu", e.backend());
        }
        assertTrue(log.get(0).startsWith("inference on onnxruntime-cpu: engine = onnxruntime (configured)"), log.toString());
        assertEquals(EngineMode.AUTO, TrainRequest.builder(fx.clip, dev.anomalyedge.demo.DemoModel.settings(), fx.train,
                Golden.tempDir("t-")).build().engine(), "auto by default, as the service");
    }
}
