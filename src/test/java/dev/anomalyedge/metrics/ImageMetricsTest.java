package dev.anomalyedge.metrics;

import org.junit.jupiter.api.Test;

import java.util.Random;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImageMetricsTest {
    private static final double EPS = 1e-12;

    /**
     * sklearn's documentation example. Descending: 0.8(+) 0.4(−) 0.35(+) 0.1(−).
     * ROC points (fpr,tpr): (0,0) (0,.5) (.5,.5) (.5,1) (1,1) → area .5·.5 + .5·1 = 0.75.
     * PR points (P,R): (1,.5) (.5,.5) (2/3,1) (.5,1) → AP = .5·1 + 0 + .5·2/3 + 0 = 5/6.
     * F1: 2/3, 1/2, 0.8, 2/3 (and 0 for the appended (1,0)) → 0.8.
     */
    @Test
    void sklearnDocumentationExample() {
        float[] s = {0.1f, 0.4f, 0.35f, 0.8f};
        int[] y = {0, 0, 1, 1};
        assertEquals(0.75, Metrics.imageAuroc(s, y), EPS);
        assertEquals(5.0 / 6, Metrics.averagePrecision(s, y), EPS);
        assertEquals(0.8, Metrics.f1Max(s, y), EPS);
    }

    /**
     * Ties across classes share one curve point. Positives {.5,.5}, negatives {.5,.2,.9}.
     * Thresholds .9 → (tp0,fp1), .5 → (tp2,fp2), .2 → (tp2,fp3).
     * ROC (0,0) (1/3,0) (2/3,1) (1,1): area 0 + 1/3·(0+1)/2 + 1/3·1 = 1/2.
     * PR: P=0,R=0 | P=1/2,R=1 | P=2/5,R=1 → AP = 1·1/2 = 1/2; F1: 0 (0/0), 2/3, 4/7 → 2/3.
     */
    @Test
    void tiesAcrossClassesShareOnePoint() {
        float[] s = {0.5f, 0.5f, 0.5f, 0.2f, 0.9f};
        int[] y = {1, 0, 1, 0, 0};
        assertEquals(0.5, Metrics.imageAuroc(s, y), EPS);
        assertEquals(0.5, Metrics.averagePrecision(s, y), EPS);
        assertEquals(2.0 / 3, Metrics.f1Max(s, y), EPS);
    }

    /** One tied threshold only: ROC (0,0)→(1,1) = 1/2; PR (1/2, 1) → AP 1/2, F1 2/3. */
    @Test
    void allScoresEqual() {
        float[] s = {0.3f, 0.3f, 0.3f, 0.3f};
        int[] y = {0, 1, 0, 1};
        assertEquals(0.5, Metrics.imageAuroc(s, y), EPS);
        assertEquals(0.5, Metrics.averagePrecision(s, y), EPS);
        assertEquals(2.0 / 3, Metrics.f1Max(s, y), EPS);
    }

    /** Perfect and inverted rankings; -0.0 and 0.0 are one score (numpy compares them equal). */
    @Test
    void perfectInvertedAndSignedZero() {
        assertEquals(1.0, Metrics.imageAuroc(new float[] {0.9f, 0.8f, 0.1f}, new int[] {1, 1, 0}), EPS);
        assertEquals(1.0, Metrics.averagePrecision(new float[] {0.9f, 0.8f, 0.1f}, new int[] {1, 1, 0}), EPS);
        assertEquals(0.0, Metrics.imageAuroc(new float[] {0.1f, 0.2f, 0.9f}, new int[] {1, 1, 0}), EPS);
        // inverted: PR points (0,0) (1/2,1/2) (2/3,1) → AP = 1/2·1/2 + 1/2·2/3 = 7/12
        assertEquals(7.0 / 12, Metrics.averagePrecision(new float[] {0.1f, 0.2f, 0.9f}, new int[] {1, 1, 0}), EPS);
        assertEquals(0.5, Metrics.imageAuroc(new float[] {-0.0f, 0.0f}, new int[] {1, 0}), EPS);
        assertEquals(0.5, Metrics.imageAuroc(new float[] {0.0f, -0.0f}, new int[] {1, 0}), EPS);
    }

    @Test
    void oneClassOnlyIsUndefined() {
        float[] s = {0.1f, 0.2f};
        assertTrue(Double.isNaN(Metrics.imageAuroc(s, new int[] {1, 1})));
        assertTrue(Double.isNaN(Metrics.averagePrecision(s, new int[] {0, 0})));
        assertTrue(Double.isNaN(Metrics.f1Max(s, new int[] {0, 0})));
    }

    @Test
    void badInputIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> Metrics.imageAuroc(new float[0], new int[0]));
        assertThrows(IllegalArgumentException.class, () -> Metrics.imageAuroc(new float[2], new int[3]));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Metrics.averagePrecision(new float[] {0.1f, 0.2f}, new int[] {0, 2}));
        assertTrue(e.getMessage().contains("label[1]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Metrics.f1Max(new float[] {Float.NaN, 0.2f}, new int[] {0, 1}));
        assertTrue(e.getMessage().contains("score[0]"), e.getMessage());
    }

    /** Against the definitions evaluated by brute force, on scores quantised to force many ties. */
    @Test
    void matchesBruteForceDefinitions() {
        Random rnd = new Random(7);
        for (int trial = 0; trial < 200; trial++) {
            int n = 2 + rnd.nextInt(60);
            float[] s = new float[n];
            int[] y = new int[n];
            for (int i = 0; i < n; i++) {
                s[i] = rnd.nextInt(1 + rnd.nextInt(12)) / 4f;
                y[i] = rnd.nextDouble() < 0.4 ? 1 : 0;
            }
            y[0] = 1;
            y[1] = 0;
            assertEquals(bruteAuroc(s, y), Metrics.imageAuroc(s, y), 1e-12, "trial " + trial);
            double[] apF1 = bruteApAndF1(s, y);
            assertEquals(apF1[0], Metrics.averagePrecision(s, y), 1e-12, "trial " + trial);
            assertEquals(apF1[1], Metrics.f1Max(s, y), 1e-12, "trial " + trial);
        }
    }

    /** Probability that a positive outranks a negative, ties counting one half (= trapezoidal ROC area). */
    static double bruteAuroc(float[] s, int[] y) {
        double wins = 0;
        long pairs = 0;
        for (int i = 0; i < s.length; i++) {
            if (y[i] != 1) continue;
            for (int j = 0; j < s.length; j++) {
                if (y[j] != 0) continue;
                pairs++;
                if (s[i] > s[j]) wins += 1;
                else if (s[i] == s[j]) wins += 0.5;
            }
        }
        return wins / pairs;
    }

    /** For each distinct threshold t (descending), predicted positive = score ≥ t. */
    private static double[] bruteApAndF1(float[] s, int[] y) {
        TreeSet<Float> thresholds = new TreeSet<>();
        int positives = 0;
        for (int i = 0; i < s.length; i++) {
            thresholds.add(s[i]);
            positives += y[i];
        }
        double ap = 0, prevRecall = 0, f1 = 0;
        for (float t : thresholds.descendingSet()) {
            int tp = 0, fp = 0;
            for (int i = 0; i < s.length; i++) {
                if (s[i] >= t) {
                    if (y[i] == 1) tp++;
                    else fp++;
                }
            }
            double p = (double) tp / (tp + fp), r = (double) tp / positives;
            ap += (r - prevRecall) * p;
            prevRecall = r;
            if (p + r > 0) f1 = Math.max(f1, 2 * p * r / (p + r));
        }
        return new double[] {ap, f1};
    }
}
