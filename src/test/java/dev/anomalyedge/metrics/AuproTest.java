package dev.anomalyedge.metrics;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AuproTest {

    /**
     * Two 3×3 images, min 0 and max 1, so the 200 thresholds are th_k = k/200 (k = 0..199). A value v with 200·v not
     * an integer lies above th_k exactly for k < c(v) = ceil(200·v): .1025→21, .2025→41, .3025→61, .4025→81,
     * .5025→101, .6025→121, .9025→181, 1→200, 0→0.
     *
     * <pre>
     *   image 0 (mask / map)          image 1 (mask / map)
     *   1 . .   1     0  .5025        1 . .   .6025  0      0
     *   . 1 .   0 .4025  0            . . .   0   .9025     0
     *   . . .   .2025 0  .1025        . 1 1   0      0  .3025
     * </pre>
     *
     * Regions (8-connectivity): R1 = {(0,0),(1,1)} of image 0 (diagonal), R2 = {(0,0)} and R3 = {(2,1),(2,2)} of
     * image 1. Negatives: 13, of which four are > 0 with c = 101, 41, 21, 181.
     * FP(k) = 4 (k<21, FPR 4/13 ≥ 0.3: dropped), 3 (21..40), 2 (41..100), 1 (101..180), 0 (181..199), so the kept
     * FPRs rescale to x = FP/3. PRO(k) = mean(R1, R2, R3): 5/6 up to k=60, 2/3 to 80, 1/2 to 120, 1/6 after.
     * The trapezoid area only grows where x steps: k 40→41 (1→2/3, PRO 5/6), 100→101 (2/3→1/3, PRO 1/2),
     * 180→181 (1/3→0, PRO 1/6): 5/18 + 3/18 + 1/18 = 1/2.
     * (With 4-connectivity R1 would split in two and the area would change.)
     */
    @Test
    void handComputedTwoImages() {
        float[][] maps = {
                {1f, 0f, 0.5025f, 0f, 0.4025f, 0f, 0.2025f, 0f, 0.1025f},
                {0.6025f, 0f, 0f, 0f, 0.9025f, 0f, 0f, 0f, 0.3025f}};
        byte[][] masks = {
                {1, 0, 0, 0, 1, 0, 0, 0, 0},
                {1, 0, 0, 0, 0, 0, 0, 1, 1}};
        assertEquals(0.5, Metrics.aupro(maps, masks, 3), 1e-12);
        boolean[][] bools = new boolean[2][9];
        for (int i = 0; i < 2; i++) for (int p = 0; p < 9; p++) bools[i][p] = masks[i][p] == 1;
        assertEquals(0.5, Metrics.aupro(maps, bools, 3, 3), 1e-12);
    }

    /**
     * Same values, but the two anomalous pixels of image 0 moved apart ((0,0) and (2,2)): two regions of area 1,
     * four regions in all — {1}, {.4025}, {.6025}, {0, .3025}. FP(k) is unchanged. PRO(k) = 7/8 up to k=60, 3/4 to
     * 80, 1/2 to 120, 1/4 after. Steps at k 40→41 (PRO 7/8), 100→101 (1/2), 180→181 (1/4):
     * (7/8 + 1/2 + 1/4)/3 = 13/24.
     */
    @Test
    void separatedPixelsAreSeparateRegions() {
        float[][] maps = {
                {1f, 0f, 0.5025f, 0f, 0f, 0f, 0.2025f, 0.1025f, 0.4025f},
                {0.6025f, 0f, 0f, 0f, 0.9025f, 0f, 0f, 0f, 0.3025f}};
        byte[][] masks = {
                {1, 0, 0, 0, 0, 0, 0, 0, 1},
                {1, 0, 0, 0, 0, 0, 0, 1, 1}};
        assertEquals(13.0 / 24, Metrics.aupro(maps, masks, 3, 3), 1e-12);
    }

    /**
     * The grid follows NumPy 1.x {@code np.arange(min, max, (max - min) / 200)} with float32 min/max: the step is a
     * float64, the length is ceil((max - min) / step) in float64.
     */
    @Test
    void thresholdGridFollowsNumpyArange() {
        float[] th = Aupro.thresholds(0f, 1f, 200);
        assertEquals(200, th.length);
        for (int k = 0; k < 200; k++) assertEquals((float) (k * 0.005), th[k], "th[" + k + "]");
        // 0.007f / (0.007f / 200) = 200.00000000000003 in float64: NumPy 1.x arange yields 201 values
        assertEquals(201, Aupro.thresholds(0f, 0.007f, 200).length);
        // 0.035f: 200 values under NumPy 1.x (NumPy 2 keeps the step in float32 and yields 201)
        assertEquals(200, Aupro.thresholds(0f, 0.035f, 200).length);
        float[] shifted = Aupro.thresholds(2.5f, 3.5f, 200);
        assertEquals(2.5f, shifted[0]);
        for (int k = 1; k < shifted.length; k++) assertTrue(shifted[k] >= shifted[k - 1]);
        assertEquals(0, Aupro.thresholds(1f, 1f, 200).length);
    }

    @Test
    void thresholdsBelowCountsStrictlySmaller() {
        float[] th = {0f, 0.5f, 0.5f, 1f};
        assertEquals(0, Aupro.thresholdsBelow(th, 0f)); // 0 > 0 is false
        assertEquals(1, Aupro.thresholdsBelow(th, 0.5f));
        assertEquals(3, Aupro.thresholdsBelow(th, 0.75f));
        assertEquals(4, Aupro.thresholdsBelow(th, 2f));
    }

    @Test
    void undefinedCasesAreNaN() {
        // constant maps: the reference's np.arange gets a zero step
        assertTrue(Double.isNaN(Metrics.aupro(new float[][] {{0.5f, 0.5f, 0.5f, 0.5f}}, new byte[][] {{1, 0, 0, 0}}, 2)));
        // no anomalous region: mean of an empty list
        assertTrue(Double.isNaN(Metrics.aupro(new float[][] {{0f, 0.2f, 0.4f, 1f}}, new byte[][] {{0, 0, 0, 0}}, 2)));
        // no normal pixel: FPR = 0/0
        assertTrue(Double.isNaN(Metrics.aupro(new float[][] {{0f, 0.2f, 0.4f, 1f}}, new byte[][] {{1, 1, 1, 1}}, 2)));
        // no FPR below 0.3: the reference takes the min of an empty array
        assertTrue(Double.isNaN(Metrics.aupro(new float[][] {{0f, 1f, 1f, 1f}}, new byte[][] {{1, 0, 0, 0}}, 2)));
        // every kept FPR equal (all 0): the min–max rescaling divides 0 by 0
        assertTrue(Double.isNaN(Metrics.aupro(new float[][] {{1f, 0f, 0f, 0f}}, new byte[][] {{1, 0, 0, 0}}, 2)));
    }

    @Test
    void badInputIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> Metrics.aupro(new float[0][], new byte[0][], 2));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Metrics.aupro(new float[][] {{0f, 1f, 0f}}, new byte[][] {{0, 1, 0}}, 2));
        assertTrue(e.getMessage().contains("map[0]") && e.getMessage().contains("expected 4"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> Metrics.aupro(new float[][] {{0f, 1f, 0f, 0f}}, new byte[][] {{0, 2, 0, 0}}, 2));
        assertThrows(IllegalArgumentException.class,
                () -> Metrics.aupro(new float[][] {{0f, Float.NaN, 0f, 0f}}, new byte[][] {{0, 1, 0, 0}}, 2));
    }
}
