package dev.anomalyedge.metrics;

/**
 * AnomalyCLIP's evaluation metrics (reference {@code metrics.py} / {@code test.py}), with sklearn semantics.
 *
 * <ul>
 *   <li>{@link #imageAuroc} — {@code roc_auc_score}: ROC points at the distinct score thresholds (ties share a
 *       point), trapezoid area. Computed exactly with integer counts.</li>
 *   <li>{@link #averagePrecision} — {@code average_precision_score}: Σ_n (R_n − R_{n−1}) P_n, step-wise, not
 *       interpolated.</li>
 *   <li>{@link #f1Max} — the largest 2PR/(P+R) over the {@code precision_recall_curve} points (0/0 counts as 0).</li>
 *   <li>{@link #pixelAuroc} — {@code roc_auc_score} over all pixels of all images of a class.</li>
 *   <li>{@link #aupro} — {@code cal_pro_score(masks, amaps, max_step=200, expect_fpr=0.3)}, see {@link Aupro}.</li>
 * </ul>
 *
 * <p>Labels and masks are 0 (normal) / 1 (anomalous); masks are row-major {@code byte[height·width]} per image, as
 * {@code inputs/gt_mask.npy} (the reference binarises its masks with {@code > 0.5} first). Scores and maps must be
 * finite (sklearn rejects NaN/inf too).
 *
 * <p><b>Undefined values.</b> When every label (or every pixel) is of one class, AUROC, AP and F1-max are not
 * defined and these methods return {@code NaN} (sklearn raises for AUROC and returns 0 or 1 for AP). AUPRO returns
 * {@code NaN} where the reference yields nan or raises (see {@link Aupro#compute}). Empty inputs, mismatched lengths,
 * labels other than 0/1 and non-finite scores throw {@link IllegalArgumentException}.
 */
public final class Metrics {
    /** Reference defaults of {@code cal_pro_score}. */
    public static final int PRO_MAX_STEP = 200;
    public static final double PRO_EXPECT_FPR = 0.3;

    private Metrics() {}

    /** sklearn {@code roc_auc_score(labels, scores)}; NaN if all labels are equal. */
    public static double imageAuroc(float[] scores, int[] labels) {
        Ranking r = rank(scores, labels);
        return bothClasses(r) ? r.auroc() : Double.NaN;
    }

    /** sklearn {@code average_precision_score(labels, scores)}; NaN if all labels are equal. */
    public static double averagePrecision(float[] scores, int[] labels) {
        Ranking r = rank(scores, labels);
        return bothClasses(r) ? r.averagePrecision() : Double.NaN;
    }

    /** max F1 over {@code precision_recall_curve(labels, scores)}; NaN if all labels are equal. */
    public static double f1Max(float[] scores, int[] labels) {
        Ranking r = rank(scores, labels);
        return bothClasses(r) ? r.f1Max() : Double.NaN;
    }

    /**
     * sklearn {@code roc_auc_score(masks.ravel(), maps.ravel())} over every pixel of every image; NaN if all pixels
     * are of one class. Images may differ in size ({@code maps[i].length == masks[i].length}). Memory: one float per
     * pixel (the scores split by class and sorted once), time O(n log n).
     */
    public static double pixelAuroc(float[][] maps, byte[][] masks) {
        checkImages(maps, masks);
        long positives = 0, total = 0;
        for (int i = 0; i < maps.length; i++) {
            checkImage(i, maps[i], masks[i], maps[i].length);
            for (byte m : masks[i]) positives += m;
            total += maps[i].length;
        }
        if (total > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("pixel AUROC over " + total + " pixels exceeds one Java array");
        }
        float[] pos = new float[(int) positives];
        float[] neg = new float[(int) (total - positives)];
        int np = 0, nn = 0;
        for (int i = 0; i < maps.length; i++) {
            float[] map = maps[i];
            byte[] mask = masks[i];
            for (int p = 0; p < map.length; p++) {
                if (mask[p] != 0) pos[np++] = map[p];
                else neg[nn++] = map[p];
            }
        }
        Ranking r = new Ranking(pos, neg);
        return bothClasses(r) ? r.auroc() : Double.NaN;
    }

    /** {@link #pixelAuroc(float[][], byte[][])} with boolean masks (true = anomalous). */
    public static double pixelAuroc(float[][] maps, boolean[][] masks) {
        return pixelAuroc(maps, toBytes(masks));
    }

    /** AUPRO with the reference defaults (max_step 200, expect_fpr 0.3) for square {@code side × side} images. */
    public static double aupro(float[][] maps, byte[][] masks, int side) {
        return aupro(maps, masks, side, side, PRO_MAX_STEP, PRO_EXPECT_FPR);
    }

    /** AUPRO with the reference defaults (max_step 200, expect_fpr 0.3). */
    public static double aupro(float[][] maps, byte[][] masks, int height, int width) {
        return aupro(maps, masks, height, width, PRO_MAX_STEP, PRO_EXPECT_FPR);
    }

    /**
     * Reference {@code cal_pro_score(masks, amaps, max_step, expect_fpr)}; every map and mask is
     * [height·width] row-major. NaN when undefined (all map values equal, no anomalous region, no normal pixel,
     * fewer than two distinct FPRs below {@code expectFpr}).
     */
    public static double aupro(float[][] maps, byte[][] masks, int height, int width, int maxStep, double expectFpr) {
        checkImages(maps, masks);
        if (height <= 0 || width <= 0) {
            throw new IllegalArgumentException("image size must be positive, found " + height + "x" + width);
        }
        if (maxStep <= 0) throw new IllegalArgumentException("maxStep must be positive, found " + maxStep);
        long pixels = (long) height * width;
        for (int i = 0; i < maps.length; i++) checkImage(i, maps[i], masks[i], pixels);
        return Aupro.compute(maps, masks, height, width, maxStep, expectFpr);
    }

    /** {@link #aupro(float[][], byte[][], int, int)} with boolean masks (true = anomalous). */
    public static double aupro(float[][] maps, boolean[][] masks, int height, int width) {
        return aupro(maps, toBytes(masks), height, width);
    }

    // ---- validation -------------------------------------------------------------------------------------------

    private static Ranking rank(float[] scores, int[] labels) {
        if (scores.length == 0) throw new IllegalArgumentException("no scores");
        if (scores.length != labels.length) {
            throw new IllegalArgumentException(scores.length + " scores but " + labels.length + " labels");
        }
        int positives = 0;
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] != 0 && labels[i] != 1) {
                throw new IllegalArgumentException("label[" + i + "] must be 0 or 1, found " + labels[i]);
            }
            if (!Float.isFinite(scores[i])) {
                throw new IllegalArgumentException("score[" + i + "] must be finite, found " + scores[i]);
            }
            positives += labels[i];
        }
        float[] pos = new float[positives];
        float[] neg = new float[labels.length - positives];
        int np = 0, nn = 0;
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] == 1) pos[np++] = scores[i];
            else neg[nn++] = scores[i];
        }
        return new Ranking(pos, neg);
    }

    private static boolean bothClasses(Ranking r) {
        return r.positiveCount() > 0 && r.negativeCount() > 0;
    }

    private static void checkImages(float[][] maps, Object[] masks) {
        if (maps.length == 0) throw new IllegalArgumentException("no images");
        if (maps.length != masks.length) {
            throw new IllegalArgumentException(maps.length + " maps but " + masks.length + " masks");
        }
    }

    private static void checkImage(int i, float[] map, byte[] mask, long expectedPixels) {
        if (map.length != expectedPixels) {
            throw new IllegalArgumentException("map[" + i + "] has " + map.length + " pixels, expected " + expectedPixels);
        }
        if (mask.length != map.length) {
            throw new IllegalArgumentException("mask[" + i + "] has " + mask.length + " pixels, its map " + map.length);
        }
        if (map.length == 0) throw new IllegalArgumentException("map[" + i + "] is empty");
        for (int p = 0; p < map.length; p++) {
            if (mask[p] != 0 && mask[p] != 1) {
                throw new IllegalArgumentException("mask[" + i + "][" + p + "] must be 0 or 1, found " + mask[p]);
            }
            if (!Float.isFinite(map[p])) {
                throw new IllegalArgumentException("map[" + i + "][" + p + "] must be finite, found " + map[p]);
            }
        }
    }

    private static byte[][] toBytes(boolean[][] masks) {
        byte[][] out = new byte[masks.length][];
        for (int i = 0; i < masks.length; i++) {
            out[i] = new byte[masks[i].length];
            for (int p = 0; p < masks[i].length; p++) out[i][p] = (byte) (masks[i][p] ? 1 : 0);
        }
        return out;
    }
}
