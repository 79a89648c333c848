package dev.anomalyedge.metrics;

import java.util.Arrays;

/**
 * Area under the per-region-overlap (PRO) curve up to a false-positive rate, as the reference
 * {@code metrics.cal_pro_score(masks, amaps, max_step=200, expect_fpr=0.3)} computes it:
 *
 * <pre>
 *   th_0..th_{T-1} = np.arange(min, max, (max − min) / max_step)        over all maps of the class
 *   PRO(th)        = mean over every ground-truth region R of every image of |{p ∈ R : map(p) > th}| / |R|
 *   FPR(th)        = |{p negative : map(p) > th}| / |{p negative}|       over all images
 *   keep the thresholds with FPR < expect_fpr, rescale those FPRs to [0, 1] by min–max,
 *   AUPRO          = sklearn.metrics.auc(fpr, pro)  (trapezoid in threshold order; FPR falls as th rises,
 *                    so auc's direction is −1 and the area is −trapz(pro, fpr))
 * </pre>
 *
 * <p>Instead of binarising every map at every threshold (T·pixels work), each pixel is placed once, by binary search,
 * at the number c(p) of thresholds strictly below its value; it lies above th_i exactly when i < c(p). Histograms
 * of c(p) per region and over the negatives then give every curve point. Regions come from
 * {@link ConnectedComponents} (8-connectivity, per image).
 *
 * <p><b>NumPy version.</b> The golden results were produced under NumPy 1.x promotion rules, which this class
 * reproduces: {@code (max − min)} is float32, dividing by the Python int {@code max_step} gives a float64 step;
 * {@code np.arange} then has length {@code ceil(float32(max − min) / step)} in float64 (200 or 201), float64 values
 * {@code min + i·(float64(min + step) − min)}, and {@code amaps > th} compares in float32 (the float64 scalar
 * threshold is cast to the float32 array's type). NumPy ≥ 2 (NEP 50) keeps the step in float32, which changes the
 * length rule and the grid; on the golden cases that moves AUPRO by up to 2e-4.
 */
final class Aupro {
    private Aupro() {}

    /**
     * The threshold grid of {@code np.arange(min, max, (max - min) / maxStep)} with float32 {@code min}, {@code max}
     * (NumPy 1.x), each value rounded to float32 as the comparison {@code amaps > th} uses it. Non-decreasing.
     * Empty when {@code max == min} (the reference fails there: arange with a zero step).
     */
    static float[] thresholds(float min, float max, int maxStep) {
        float range = max - min; // float32 - float32
        double step = (double) range / maxStep; // float32 / int → float64
        double length = Math.ceil(range / step); // arange: (stop - start) / step, then ceil
        if (!(length > 0) || length > Integer.MAX_VALUE - 8) return new float[0]; // zero/non-finite step
        int n = (int) length;
        double first = min;
        double second = (double) min + step; // float32 + float64 → float64
        double delta = second - first; // arange's fill(): buffer[i] = buffer[0] + i * (buffer[1] - buffer[0])
        float[] th = new float[n];
        th[0] = min;
        if (n > 1) th[1] = (float) second;
        for (int i = 2; i < n; i++) th[i] = (float) (first + i * delta);
        return th;
    }

    /**
     * AUPRO of the maps against the masks (validated by the caller: same count, each [height·width], masks 0/1,
     * finite map values). NaN when undefined: all map values equal, no ground-truth region, no negative pixel, or
     * fewer than two thresholds with distinct FPR below {@code expectFpr} (the reference returns nan or raises).
     */
    static double compute(float[][] maps, byte[][] masks, int height, int width, int maxStep, double expectFpr) {
        float min = Float.POSITIVE_INFINITY, max = Float.NEGATIVE_INFINITY;
        for (float[] map : maps) {
            for (float v : map) {
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
        }
        float[] th = thresholds(min, max, maxStep);
        int t = th.length;
        if (t == 0) return Double.NaN;

        double[] proSum = new double[t]; // Σ over regions of (region pixels > th_i) / area
        long regions = 0;
        long[] negativesAt = new long[t + 1]; // histogram of c(p) over negative pixels
        long negatives = 0;
        int[] regionAt = new int[t + 1]; // histogram of c(p) over one region, reused
        for (int img = 0; img < maps.length; img++) {
            float[] map = maps[img];
            byte[] mask = masks[img];
            for (int p = 0; p < map.length; p++) {
                if (mask[p] == 0) {
                    negativesAt[thresholdsBelow(th, map[p])]++;
                    negatives++;
                }
            }
            ConnectedComponents.Components comp = ConnectedComponents.label(mask, height, width);
            for (int r = 1; r <= comp.count(); r++) {
                Arrays.fill(regionAt, 0);
                for (int k = comp.start()[r - 1]; k < comp.start()[r]; k++) {
                    regionAt[thresholdsBelow(th, map[comp.pixels()[k]])]++;
                }
                double area = comp.area(r);
                long above = 0; // region pixels with c(p) > i, i.e. map > th_i
                for (int i = t - 1; i >= 0; i--) {
                    above += regionAt[i + 1];
                    proSum[i] += above / area;
                }
                regions++;
            }
        }
        if (regions == 0 || negatives == 0) return Double.NaN;

        // curve points in threshold order (th ascending, FPR falling), keeping FPR < expectFpr
        double[] fpr = new double[t];
        double[] pro = new double[t];
        int kept = 0;
        long falsePositives = 0; // negatives with c(p) > i, i.e. map > th_i
        for (int i = t - 1; i >= 0; i--) {
            falsePositives += negativesAt[i + 1];
            fpr[i] = (double) falsePositives / negatives;
        }
        for (int i = 0; i < t; i++) {
            if (fpr[i] < expectFpr) {
                fpr[kept] = fpr[i];
                pro[kept] = proSum[i] / regions;
                kept++;
            }
        }
        if (kept < 2) return Double.NaN; // sklearn.metrics.auc needs two points
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < kept; i++) {
            lo = Math.min(lo, fpr[i]);
            hi = Math.max(hi, fpr[i]);
        }
        if (hi == lo) return Double.NaN; // min–max rescaling divides 0 by 0
        double trapz = 0; // np.trapz(pro, x) = Σ dx · (y_j + y_{j+1}) / 2
        for (int i = 0; i + 1 < kept; i++) {
            double x0 = (fpr[i] - lo) / (hi - lo);
            double x1 = (fpr[i + 1] - lo) / (hi - lo);
            trapz += (x1 - x0) * (pro[i] + pro[i + 1]) / 2.0;
        }
        return -trapz; // x is non-increasing: auc's direction = −1
    }

    /** c(v): how many thresholds lie strictly below v (th is non-decreasing); v > th_i ⇔ i < c(v). */
    static int thresholdsBelow(float[] th, float v) {
        int lo = 0, hi = th.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (th[mid] < v) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }
}
