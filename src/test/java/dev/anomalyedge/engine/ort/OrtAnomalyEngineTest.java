package dev.anomalyedge.engine.ort;

import dev.anomalyedge.engine.AnomalyEngine;
import dev.anomalyedge.engine.AnomalyEngine.FeatureBatch;
import dev.anomalyedge.engine.AnomalyEngine.ScoreBatch;
import dev.anomalyedge.engine.EngineException;
import dev.anomalyedge.graph.GoldenVision;
import dev.anomalyedge.testing.Golden;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The ONNX Runtime engine over exported models (no debug outputs), against the golden scores, maps and features. */
class OrtAnomalyEngineTest {
    @TempDir
    static Path dir;
    private static final Map<String, OrtAnomalyEngine> ENGINES = new HashMap<>();

    private static synchronized OrtAnomalyEngine engine(GoldenVision c) throws IOException {
        OrtAnomalyEngine e = ENGINES.get(c.name());
        if (e == null) {
            Path model = dir.resolve(c.name() + ".onnx");
            c.builder(c.settings()).write(model);
            e = OrtAnomalyEngine.open(model, 2);
            ENGINES.put(c.name(), e);
        }
        return e;
    }

    @AfterAll
    static void close() {
        ENGINES.values().forEach(OrtAnomalyEngine::close);
    }

    @ParameterizedTest
    @MethodSource("dev.anomalyedge.testing.Golden#cases")
    void scoresAndMapsMatchGoldenOneByOneAndBatched(String name) throws IOException {
        GoldenVision c = GoldenVision.load(name);
        AnomalyEngine e = engine(c);
        assertEquals(c.size(), e.imageSize());
        assertEquals("onnxruntime-cpu", e.backend());
        float[] scores = c.npy("scores/image_score.npy").floats();
        var maps = c.npy("scores/anomaly_map_smoothed.npy");
        for (int i = 0; i < c.count(); i++) {
            ScoreBatch one = e.score(c.image(i), 1);
            assertEquals(1, one.batch());
            c.check("engine image_score [img " + i + "]", new float[] {scores[i]}, new float[] {one.score(0)}, 1e-5);
            c.check("engine anomaly_map [img " + i + "]", Golden.first(maps, i), one.map(0), 2e-5);
        }
        ScoreBatch all = e.score(c.images().floats(), c.count());
        assertEquals(c.count(), all.batch());
        assertEquals(c.size(), all.size());
        c.check("engine image_score [batched]", scores, all.scores(), 1e-5);
        for (int i = 0; i < c.count(); i++) c.check("engine anomaly_map [batched img " + i + "]", Golden.first(maps, i), all.map(i), 2e-5);
    }

    @ParameterizedTest
    @MethodSource("dev.anomalyedge.testing.Golden#cases")
    void featuresMatchGolden(String name) throws IOException {
        GoldenVision c = GoldenVision.load(name);
        FeatureBatch f = engine(c).features(c.images().floats(), c.count());
        int g = c.settings().grid(c.arch());
        assertEquals(c.settings().featuresList().size(), f.taps());
        assertEquals(g * g + 1, f.tokens());
        assertEquals(c.arch().embedDim(), f.embedDim());
        c.check("engine patch_features [K,B,T,E]", c.npy("vision/taps_proj.npy").floats(), f.patchFeatures(), 1e-5);
        c.check("engine image_features [B,E]", c.npy("vision/image_features_raw.npy").floats(), f.imageFeatures(), 1e-5);
    }

    @Test
    void badInputsGiveClearErrors() throws IOException {
        GoldenVision c = GoldenVision.load("case2_p16_s96_top");
        OrtAnomalyEngine e = engine(c);
        var wrongLength = assertThrows(EngineException.class, () -> e.score(new float[10], 1));
        assertEquals("input of 1 image(s) [1, 3, 96, 96] needs 27648 floats, got 10", wrongLength.getMessage());
        var twoForOne = assertThrows(EngineException.class, () -> e.features(c.image(0), 2));
        assertTrue(twoForOne.getMessage().contains("needs 55296 floats, got 27648"), twoForOne.getMessage());
        var zero = assertThrows(EngineException.class, () -> e.score(new float[0], 0));
        assertEquals("batch must be >= 1, got 0", zero.getMessage());
        assertThrows(EngineException.class, () -> e.score(null, 1));
        var unknown = assertThrows(EngineException.class, () -> e.run(c.image(0), 1, List.of("debug.taps_raw")));
        assertTrue(unknown.getMessage().contains("no output 'debug.taps_raw'"), unknown.getMessage());
    }

    @Test
    void aMissingOrBrokenModelFileIsReported() throws IOException {
        var missing = assertThrows(EngineException.class, () -> OrtAnomalyEngine.open(dir.resolve("nope.onnx")));
        assertTrue(missing.getMessage().contains("nope.onnx: ONNX model file not found"), missing.getMessage());
        Path junk = Files.writeString(dir.resolve("junk.onnx"), "not a model");
        var broken = assertThrows(EngineException.class, () -> OrtAnomalyEngine.open(junk, 1));
        assertTrue(broken.getMessage().contains("cannot load the model"), broken.getMessage());
        assertThrows(EngineException.class, () -> OrtAnomalyEngine.open(junk, 0));
    }

    @Test
    void aClosedEngineRefusesWork() throws IOException {
        GoldenVision c = GoldenVision.load("case3_p14_s98_1head");
        Path model = dir.resolve("closed.onnx");
        c.builder(c.settings()).write(model);
        OrtAnomalyEngine e = OrtAnomalyEngine.open(model, 1);
        assertEquals(1, e.score(c.image(0), 1).scores().length);
        e.close();
        e.close(); // idempotent
        var closed = assertThrows(EngineException.class, () -> e.score(c.image(0), 1));
        assertTrue(closed.getMessage().contains("engine is closed"), closed.getMessage());
    }

    @Test
    void theModelLoadsFromAnotherFolderWithItsDataFile() throws IOException {
        GoldenVision c = GoldenVision.load("case2_p16_s96_top");
        Path sub = Files.createDirectories(dir.resolve("moved"));
        var written = c.builder(c.settings()).write(dir.resolve("tomove.onnx"));
        Files.move(written.model(), sub.resolve("tomove.onnx"));
        Files.move(written.data(), sub.resolve("tomove.onnx.data"));
        try (OrtAnomalyEngine e = OrtAnomalyEngine.open(sub.resolve("tomove.onnx"), 1)) {
            c.check("engine image_score [moved model]", c.npy("scores/image_score.npy").floats(),
                    e.score(c.images().floats(), c.count()).scores(), 1e-5);
        }
    }
}
