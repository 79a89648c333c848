package dev.anomalyedge.fewshot;

import dev.anomalyedge.engine.AnomalyEngine;
import dev.anomalyedge.graph.Resampling;
import dev.anomalyedge.inspection.EngineBatches;
import dev.anomalyedge.model.AnomalyClipSettings;

import java.util.ArrayList;
import java.util.List;

/**
 * Zero-shot and few-shot scoring of images with one engine. With no bank, {@link #score} is exactly the engine's
 * zero-shot score and map. With a {@link MemoryBank} of good reference images each test patch gets the distance to its
 * nearest reference patch, per tap, and the maps are reduced and smoothed like the zero-shot ones:
 * <pre>
 * d_k[τ]  = min_n (1 − ẑ_k[τ] · m_k,n) / 2,   ẑ = patch_k[τ] / ‖patch_k[τ]‖, m unit rows of the bank   τ = 1 .. G²
 * grid    = Σ_k d_k  (MEAN: / K)                                                                       [G, G]
 * fewshot = A · grid · Aᵀ,  A = Gaussian(σ) · Bilinear(G → S)                                            [S, S]
 * </pre>
 * The few-shot image score is the maximum of the few-shot map divided by the map's upper bound (K for SUM).
 */
public final class FewShotScorer {

    /** Which signal a result reports. */
    public enum Mode {
        /** The zero-shot and few-shot signals combined (the default with a bank). */
        FUSED,
        /** The few-shot map and score only. */
        FEW_SHOT,
        /** Today's zero-shot score and map, bank or not. */
        ZERO_SHOT
    }

    /**
     * One image scored.
     *
     * @param score         the reported image score (by the mode)
     * @param map           the reported smoothed map [S·S]
     * @param zeroShotScore the engine's zero-shot image score
     * @param fewShotScore  the few-shot image score, NaN without a bank
     */
    public record Scored(float score, float[] map, float zeroShotScore, float fewShotScore) {}

    private final AnomalyEngine engine;
    private final AnomalyClipSettings settings;
    private final int maxBatch;

    public FewShotScorer(AnomalyEngine engine, AnomalyClipSettings settings, int maxBatch) {
        if (settings.imageSize() != engine.imageSize()) {
            throw new IllegalArgumentException("settings for " + settings.imageSize() + " px, engine at " + engine.imageSize() + " px");
        }
        this.engine = engine;
        this.settings = settings;
        this.maxBatch = maxBatch;
    }

    /** The memory bank of the good images {@code tensors} (each [3, S, S]). */
    public MemoryBank bank(List<float[]> tensors) {
        return MemoryBank.of(EngineBatches.features(engine, tensors, maxBatch));
    }

    /** Scores {@code tensors} (each [3, S, S]) in order; {@code bank} null = zero-shot. */
    public List<Scored> score(List<float[]> tensors, MemoryBank bank, Mode mode) {
        List<Scored> out = new ArrayList<>(tensors.size());
        if (bank == null || mode == Mode.ZERO_SHOT) {
            for (EngineBatches.Scored s : EngineBatches.score(engine, tensors, maxBatch)) {
                out.add(new Scored(s.score(), s.map(), s.score(), Float.NaN));
            }
            return out;
        }
        for (List<float[]> chunk : EngineBatches.chunks(tensors, maxBatch)) {
            float[] input = EngineBatches.pack(chunk, engine.imageSize());
            AnomalyEngine.ScoreBatch zs = engine.score(input, chunk.size());
            AnomalyEngine.FeatureBatch f = engine.features(input, chunk.size());
            for (int i = 0; i < chunk.size(); i++) {
                float[] fs = fewShotMap(f, i, bank);
                out.add(combine(zs.score(i), zs.map(i), fs, mode));
            }
        }
        return out;
    }

    /** The smoothed few-shot map [S·S] of image {@code b} of {@code f} against {@code bank} (reference, double precision). */
    public float[] fewShotMap(AnomalyEngine.FeatureBatch f, int b, MemoryBank bank) {
        if (f.taps() != bank.taps() || f.embedDim() != bank.embedDim()) {
            throw new IllegalArgumentException("features [K=" + f.taps() + ", E=" + f.embedDim() + "] do not match the bank [K="
                    + bank.taps() + ", E=" + bank.embedDim() + "]: it was built for another model");
        }
        int t = f.tokens(), e = f.embedDim(), grid = (int) Math.round(Math.sqrt(t - 1));
        float[] bankRows = bank.floats();
        double[][] g = new double[grid][grid];
        for (int k = 0; k < f.taps(); k++) {
            long base = ((long) k * f.batch() + b) * t * e;
            int bankBase = k * bank.size() * e;
            for (int tau = 1; tau < t; tau++) {
                int src = Math.toIntExact(base + (long) tau * e);
                double norm = 0;
                for (int i = 0; i < e; i++) norm += (double) f.patchFeatures()[src + i] * f.patchFeatures()[src + i];
                double inv = norm == 0 ? 0 : 1 / Math.sqrt(norm);
                double best = Double.NEGATIVE_INFINITY;
                for (int n = 0; n < bank.size(); n++) {
                    int row = bankBase + n * e;
                    double dot = 0;
                    for (int i = 0; i < e; i++) dot += f.patchFeatures()[src + i] * bankRows[row + i];
                    best = Math.max(best, dot * inv);
                }
                g[(tau - 1) / grid][(tau - 1) % grid] += (1 - best) / 2;
            }
        }
        if (settings.tapReduction() == AnomalyClipSettings.TapReduction.MEAN) {
            for (double[] row : g) for (int c = 0; c < grid; c++) row[c] /= f.taps();
        }
        return smooth(g, grid);
    }

    /** A · grid · Aᵀ with A = Gaussian(σ) · Bilinear(G → S), as float [S·S]. */
    private float[] smooth(double[][] g, int grid) {
        int s = settings.imageSize();
        double[][] a = Resampling.multiply(Resampling.gaussian(s, settings.sigma()), Resampling.bilinear(grid, s));
        double[][] left = Resampling.multiply(a, g);
        float[] out = new float[s * s];
        for (int y = 0; y < s; y++) {
            for (int x = 0; x < s; x++) {
                double v = 0;
                for (int c = 0; c < grid; c++) v += left[y][c] * a[x][c];
                out[y * s + x] = (float) v;
            }
        }
        return out;
    }

    /** The reported score and map of one image from its zero-shot and few-shot signals. */
    Scored combine(float zsScore, float[] zsMap, float[] fsMap, Mode mode) {
        double bound = settings.mapUpperBound();
        float fsScore = 0;
        for (float v : fsMap) fsScore = Math.max(fsScore, v);
        fsScore = (float) (fsScore / bound);
        if (mode == Mode.FEW_SHOT) return new Scored(fsScore, fsMap, zsScore, fsScore);
        float[] fused = new float[fsMap.length];
        for (int i = 0; i < fused.length; i++) fused[i] = (zsMap[i] + fsMap[i]) / 2;
        return new Scored((zsScore + fsScore) / 2, fused, zsScore, fsScore);
    }
}
