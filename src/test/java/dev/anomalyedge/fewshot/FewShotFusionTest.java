package dev.anomalyedge.fewshot;

import dev.anomalyedge.engine.ort.OrtAnomalyEngine;
import dev.anomalyedge.graph.GoldenVision;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The FUSED combination: σ floors, the few-shot scale it reports on, and the statistics of one reference. */
class FewShotFusionTest {
    @TempDir
    Path tmp;

    /** References: zero-shot 0.33 ± 1e-9 (an untrained head: every good part alike), few-shot 0.05 ± 0.01. */
    private static final MemoryBank.Fusion NEAR_CONSTANT_ZERO_SHOT = new MemoryBank.Fusion(0.33, 1e-9, 0.05, 0.01,
            0.9, 1e-9, 0.2, 0.04, FewShotScorer.ZERO_SHOT_WEIGHT, FewShotScorer.FEW_SHOT_WEIGHT,
            FewShotScorer.ZERO_SHOT_WEIGHT, FewShotScorer.FEW_SHOT_WEIGHT);

    @Test
    void aNearConstantSignalCannotExplodeTheFusedScore() {
        // a good-looking few-shot signal and a zero-shot score that moved from 0.33 to 0.9: without a floor its z would
        // be 5.7e8; with σ′ = max(σ, 0.1·|μ|) = 0.033 it is 17, a quarter of which counts
        FewShotScorer.Signals s = signals(0.9f, 0.9f + 0.5f, 0.05f, 0.2f);
        FewShotScorer.Scored fused = FewShotScorer.combine(s, NEAR_CONSTANT_ZERO_SHOT, FewShotScorer.Mode.FUSED);
        double z = (0.9 - 0.33) / 0.033;
        assertEquals(0.05 + 0.01 * 0.25 * z, fused.score(), 1e-4, "fused = μ_fs + σ_fs·(¼·z_zs + ¾·z_fs), z_zs on the floored σ");
        assertTrue(fused.score() < 1, "on the few-shot scale, not 10^4: " + fused.score());
        // pixels: zero-shot pixel σ floored to 0.09, few-shot at its good mean
        float pixel = fused.map()[0];
        assertEquals(0.2 + 0.04 * 0.25 * (0.5 / 0.09), pixel, 1e-4);
        assertEquals(0.1, FewShotScorer.spread(1e-9, 1.0), 1e-12);
        assertEquals(0.5, FewShotScorer.spread(0.5, 1.0), 1e-12, "a real spread is kept");
        assertEquals(1e-6, FewShotScorer.spread(0, 0), 1e-18, "and never 0");
    }

    @Test
    void fusedIsReportedOnTheFewShotScale() {
        // zero-shot exactly at its good mean: fused = μ_fs + ¾·(fs − μ_fs), whatever the zero-shot scale
        FewShotScorer.Signals s = signals(0.33f, 0.9f, 0.25f, 0.6f);
        FewShotScorer.Scored fused = FewShotScorer.combine(s, NEAR_CONSTANT_ZERO_SHOT, FewShotScorer.Mode.FUSED);
        assertEquals(0.05 + 0.75 * (0.25 - 0.05), fused.score(), 1e-5);
        assertEquals(0.2 + 0.75 * (0.6 - 0.2), fused.map()[0], 1e-5);
        // ranking by the few-shot signal is kept: more few-shot distance, higher fused score
        assertTrue(FewShotScorer.combine(signals(0.33f, 0.9f, 0.3f, 0.6f), NEAR_CONSTANT_ZERO_SHOT, FewShotScorer.Mode.FUSED).score() > fused.score());
    }

    @Test
    void oneReferenceStillHasAnImageScoreSpread() throws Exception {
        GoldenVision c = GoldenVision.load("case1_p14_s112_taps4");
        Path model = tmp.resolve("case1.onnx");
        c.builder(c.settings()).write(model);
        try (OrtAnomalyEngine engine = OrtAnomalyEngine.open(model, 2)) {
            MemoryBank.Fusion f = new FewShotScorer(engine, c.settings(), 4).bank(List.of(c.image(0))).fusion();
            // one score has no spread; the image-score σ is at least a map pixel's σ in score units (over K = 4 taps)
            assertEquals(f.fsPixelStd() / 4, f.fsScoreStd(), 1e-12, f.toString());
            assertEquals(f.zsPixelStd() / 4, f.zsScoreStd(), 1e-12, f.toString());
            assertTrue(f.fsScoreStd() > 0 && f.zsScoreStd() > 0, f.toString());
        }
    }

    private static FewShotScorer.Signals signals(float zsScore, float zsPixel, float fsScore, float fsPixel) {
        float[] zs = new float[4], fs = new float[4];
        Arrays.fill(zs, zsPixel);
        Arrays.fill(fs, fsPixel);
        return new FewShotScorer.Signals(zsScore, zs, fsScore, fs);
    }
}
