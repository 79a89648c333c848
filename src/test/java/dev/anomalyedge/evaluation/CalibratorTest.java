package dev.anomalyedge.evaluation;

import dev.anomalyedge.bundle.CalibrationRecord;

import org.junit.jupiter.api.Test;


import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CalibratorTest {
    /** A map of side 4 whose maximum is {@code peak}, with the other pixels at {@code peak / 2}. */
    static float[] map(float peak) {
        float[] m = new float[16];
        java.util.Arrays.fill(m, peak / 2);
        m[5] = peak;
        return m;
    }

    static Calibrator.Data goods(float... scores) {
        Calibrator.Data d = new Calibrator.Data(1.0);
        for (float s : scores) d.add(0, s, map(s), new byte[16]);
        return d;
    }

    static Calibrator.Options rate(double r) {
        return new Calibrator.Options(Calibrator.Method.GOOD_QUANTILE, r, 0.95);
    }

    @Test
    void fewGoodImagesGiveTheMaximumPlusAMarginNeverFlaggingAGoodPart() {
        // 5 good images and a 1 % rate: no quantile possible, so max + std (capped halfway to 1)
        float[] s = {0.10f, 0.12f, 0.14f, 0.16f, 0.30f};
        Calibrator.Result r = Calibrator.calibrate(goods(s), rate(0.01));
        double mean = 0.164, std = 0;
        for (float v : s) std += (v - mean) * (v - mean);
        std = Math.sqrt(std / 5);
        assertEquals(0.30 + std, r.imageThreshold(), 1e-6);
        assertEquals(0.0, r.goodFlaggedRate());
        assertTrue(r.imageRule().contains("too few"), r.imageRule());
        assertEquals(0.30 + std, r.pixelThreshold(), 1e-6, "pixel rule on the per-image map maxima (= the scores here)");

        // a single image at 0.9: margin 0.05·(1 − 0.9), cap (0.9 + 1)/2
        assertEquals(0.905, Calibrator.calibrate(goods(0.9f), rate(0.01)).imageThreshold(), 1e-6);
        // a wide spread near the top is capped halfway to 1
        assertEquals(0.975, Calibrator.calibrate(goods(0.0f, 0.95f), rate(0.0)).imageThreshold(), 1e-6);
    }

    @Test
    void manyGoodImagesUseTheQuantileAndFlagAtMostTheRate() {
        float[] s = new float[200];
        for (int i = 0; i < s.length; i++) s[i] = i / 1000f;       // 0.000 .. 0.199
        Calibrator.Result r = Calibrator.calibrate(goods(s), rate(0.02));
        assertEquals((0.195f + 0.196f) / 2, r.imageThreshold(), 1e-7, "4 of 200 above: midpoint of the 196th and 197th");
        assertEquals(0.02, r.goodFlaggedRate(), 1e-12);
        // ties at the boundary move the threshold up rather than flag more than allowed
        float[] tied = s.clone();
        for (int i = 190; i < 200; i++) tied[i] = 0.5f;
        Calibrator.Result t = Calibrator.calibrate(goods(tied), rate(0.02));
        assertTrue(t.goodFlaggedRate() <= 0.02, "flagged " + t.goodFlaggedRate());
        assertTrue(t.imageThreshold() > 0.5, "all tied values pass: " + t.imageThreshold());
        assertTrue(t.imageThreshold() < 1);
    }

    @Test
    void withAnomaliesF1MaxSeparatesAndTargetRecallIsMet() {
        Calibrator.Data d = new Calibrator.Data(1.0);
        float[] good = {0.1f, 0.2f, 0.3f, 0.45f};
        float[] bad = {0.4f, 0.6f, 0.7f, 0.8f};
        for (float g : good) d.add(0, g, map(0.2f), new byte[16]);
        for (float b : bad) {
            byte[] mask = new byte[16];
            mask[5] = 1;
            d.add(1, b, map(0.9f), mask);
        }
        d.add(1, 0.95f, map(0.9f), null); // no mask: image threshold only
        Calibrator.Result f1 = Calibrator.calibrate(d, Calibrator.Options.automatic());
        assertEquals(Calibrator.Method.F1_MAX, f1.method());
        // flagging 0.4 and up: tp 5, fp 1 (0.45), fn 0: F1 = 10/11, better than 0.6 and up (8/9)
        assertEquals((0.3 + 0.4f) / 2, f1.imageThreshold(), 1e-6);
        assertEquals(4, f1.nGood());
        assertEquals(5, f1.nAnomalous());
        assertEquals(4, f1.nMaskedAnomalous());
        // pixels: anomalous peaks 0.9 (positives), everything else ≤ 0.45 → threshold between
        assertTrue(f1.pixelThreshold() > 0.45 && f1.pixelThreshold() <= 0.9, "pixel " + f1.pixelThreshold());

        Calibrator.Result recall = Calibrator.calibrate(d, new Calibrator.Options(Calibrator.Method.TARGET_RECALL, 0.01, 1.0));
        assertEquals((0.4f + 0.3f) / 2, recall.imageThreshold(), 1e-6, "every anomaly flagged, as few good as possible");
        assertEquals(1.0, recall.anomalousRecall());
        assertEquals(0.25, recall.goodFlaggedRate());

        CalibrationRecord m = f1.toManifest();
        assertEquals(f1.imageThreshold(), m.imageThreshold());
        assertEquals(f1.pixelThreshold(), m.pixelThreshold());
        assertEquals("f1_max", m.method());
        assertEquals(f1.nGood(), m.nGood());
        assertEquals(f1.nAnomalous(), m.nAnomalous());
        assertEquals(f1.createdAt(), m.createdAt());
    }

    @Test
    void f1MaxDoesNotCollapseToFlaggingEveryPartOnUninformativeScores() {
        // anomalies are the majority and the scores carry no information: "flag all" would have F1 = 2·6/(2·6+4) = 0.75
        Calibrator.Data d = new Calibrator.Data(1.0);
        float[] good = {0.3f, 0.5f, 0.7f, 0.9f};
        float[] bad = {0.2f, 0.4f, 0.6f, 0.8f, 0.35f, 0.55f};
        for (float g : good) d.add(0, g, map(0.2f), new byte[16]);
        for (float b : bad) d.add(1, b, map(0.2f), null);
        Calibrator.Result r = Calibrator.calibrate(d, Calibrator.Options.automatic());
        assertTrue(r.goodFlaggedRate() < 1.0, "good flagged " + r.goodFlaggedRate() + " at " + r.imageThreshold());
        assertTrue(r.imageThreshold() > 0.3f, "at least the lowest good part passes: " + r.imageThreshold());
    }

    @Test
    void refusesWhatCannotBeDone() {
        assertThrows(IllegalArgumentException.class, () -> Calibrator.calibrate(goods(0.1f), new Calibrator.Options(Calibrator.Method.F1_MAX, 0.01, 0.9)));
        assertThrows(IllegalArgumentException.class, () -> rate(0.6));
        assertThrows(IllegalArgumentException.class, () -> Calibrator.calibrate(new Calibrator.Data(1), rate(0.1)));
    }
}
