package dev.anomalyedge.evaluation;

import dev.anomalyedge.graph.Resampling;
import dev.anomalyedge.model.AnomalyClipSettings;

/**
 * The scoring head of the bundle's graph (docs/method.md §7) applied to precomputed features, in Java (double
 * precision): what the engine's {@code score()} returns, without running the vision tower again. Used to measure a
 * prompt learner on cached features before and after training.
 *
 * <pre>
 * score       = softmax_c(f̂ · t_c / 0.07)[abnormal],  f̂ = f / ‖f‖                         f: [E]
 * P_k[τ]      = softmax_c(ẑ_τ · t_c / 0.07)[abnormal],  ẑ = patch_k[τ] / ‖patch_k[τ]‖      τ = 1 .. G² (CLS dropped)
 * grid        = Σ_k P_k  (MEAN: / K)                                                      [G, G], token 1 + r·G + c
 * map         = A · grid · Aᵀ,  A = Gaussian(σ) · Bilinear(G → S)                          [S, S]
 * </pre>
 * Both resampling steps are linear, so reducing the taps on the grid first equals the reference's order (upsample
 * each tap, sum, smooth); the graph does the same.
 */
public final class FeatureScorer {
    private final double[] tNormal, tAbnormal;  // [E] each, normalised
    private final int embedDim, grid, imageSize;
    private final boolean mean;
    private final double[][] a;                 // A [S, G]

    /**
     * @param textEmbeddings normalised text features [2·E]: row 0 normal, row 1 abnormal
     */
    public FeatureScorer(float[] textEmbeddings, int embedDim, int grid, AnomalyClipSettings settings) {
        if (textEmbeddings.length != 2 * embedDim) {
            throw new IllegalArgumentException("text embeddings must be [2, " + embedDim + "], got " + textEmbeddings.length + " values");
        }
        this.embedDim = embedDim;
        this.grid = grid;
        this.imageSize = settings.imageSize();
        this.mean = settings.tapReduction() == AnomalyClipSettings.TapReduction.MEAN;
        this.tNormal = new double[embedDim];
        this.tAbnormal = new double[embedDim];
        for (int i = 0; i < embedDim; i++) {
            tNormal[i] = textEmbeddings[i];
            tAbnormal[i] = textEmbeddings[embedDim + i];
        }
        this.a = Resampling.multiply(Resampling.gaussian(imageSize, settings.sigma()), Resampling.bilinear(grid, imageSize));
    }

    public int imageSize() { return imageSize; }

    /** Image score of image {@code b} of a batch of image features [B, E]. */
    public float score(float[] imageFeatures, int b) {
        return (float) abnormalProbability(imageFeatures, b * embedDim);
    }

    /** Smoothed anomaly map [S·S] of image {@code b} of a batch of patch features [K, B, T, E]. */
    public float[] map(float[] patchFeatures, int b, int batch, int taps) {
        int tokens = grid * grid + 1;
        double[][] g = new double[grid][grid];
        for (int k = 0; k < taps; k++) {
            long base = ((long) k * batch + b) * tokens * embedDim;
            for (int tau = 1; tau < tokens; tau++) {
                g[(tau - 1) / grid][(tau - 1) % grid] += abnormalProbability(patchFeatures, Math.toIntExact(base + (long) tau * embedDim));
            }
        }
        if (mean) {
            for (double[] row : g) for (int c = 0; c < grid; c++) row[c] /= taps;
        }
        double[][] left = Resampling.multiply(a, g);                          // [S, G]
        float[] out = new float[imageSize * imageSize];
        for (int y = 0; y < imageSize; y++) {
            double[] l = left[y];
            for (int x = 0; x < imageSize; x++) {
                double[] ax = a[x];
                double v = 0;
                for (int c = 0; c < grid; c++) v += l[c] * ax[c];
                out[y * imageSize + x] = (float) v;
            }
        }
        return out;
    }

    /** softmax((x̂·t_n, x̂·t_a) / 0.07)[1] = 1 / (1 + exp((x̂·t_n − x̂·t_a) / 0.07)) for x = v[offset .. offset+E). */
    private double abnormalProbability(float[] v, int offset) {
        double norm = 0, dn = 0, da = 0;
        for (int i = 0; i < embedDim; i++) {
            double x = v[offset + i];
            norm += x * x;
            dn += x * tNormal[i];
            da += x * tAbnormal[i];
        }
        norm = Math.sqrt(norm);
        if (norm == 0) return 0.5;
        return 1 / (1 + Math.exp((dn - da) / norm / AnomalyClipSettings.TEMPERATURE));
    }
}
