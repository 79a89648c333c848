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
 *
 * <p>FUSED, the default with a bank, puts the two signals on one scale and adds them with fixed weights, then reports
 * the sum on the few-shot signal's scale:
 * <pre>
 * z_zs = (zs − μ_zs) / σ′_zs,  z_fs = (fs − μ_fs) / σ′_fs    μ, σ: the references scored leave-one-out (MemoryBank.Fusion)
 * σ′ = max(σ, 0.1·|μ|, 1e-6);  image-score σ ≥ the map pixels' σ / the map's upper bound
 * fused = μ_fs + σ′_fs · (1·z_zs + 3·z_fs) / 4               for the image score, and pixel by pixel for the map
 *       = ¾·fs + ¼·(the zero-shot signal moved onto the few-shot scale by the references' mean and spread)
 * </pre>
 * Standardised, each signal counts in units of how much it varies over good parts of this line, so neither dominates
 * by its raw range; the few-shot signal weighs three times the zero-shot one because it compares with this line's own
 * good parts. The σ floors keep a signal that barely moves over the references (an untrained zero-shot head) from
 * exploding. Reported on the few-shot scale, fused scores and maps have the units of few-shot ones (a score near the
 * few-shot score, a map in distance units up to the map's upper bound), so thresholds and heatmap colours read alike
 * in both modes; the affine rescaling changes no ranking (AUROC). Measured on synthetic parts and textures with a tiny
 * random CLIP whose zero-shot signal is below chance, the fused figures stay near the few-shot ones (README "Few-shot
 * scoring"); an equal-weight sum and the maximum lost more, and a rule that adds the zero-shot signal only beyond 3σ
 * matched few-shot alone there but threw most of a useful zero-shot signal away when the roles were swapped.
 * The engine's bank search runs the map math on the engine ({@code graph.FewShotGraphBuilder});
 * {@link #fewShotMap} is the double-precision Java reference, used for engines without a bank search.
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
    private volatile double[][] resampling; // A [S, G] of the engine's grid, built on first use (G comes with the features)

    public FewShotScorer(AnomalyEngine engine, AnomalyClipSettings settings, int maxBatch) {
        if (settings.imageSize() != engine.imageSize()) {
            throw new IllegalArgumentException("settings for " + settings.imageSize() + " px, engine at " + engine.imageSize() + " px");
        }
        this.engine = engine;
        this.settings = settings;
        this.maxBatch = maxBatch;
    }

    /** Both signals of one image: zero-shot score and map, few-shot score and map (each map [S·S]). */
    public record Signals(float zeroShotScore, float[] zeroShotMap, float fewShotScore, float[] fewShotMap) {}

    /**
     * The memory bank of the good images {@code tensors} (each [3, S, S]) with the {@link MemoryBank.Fusion} statistics
     * of the references themselves ({@link #references}, each tensor one image).
     */
    public MemoryBank bank(List<float[]> tensors) {
        return bank(tensors, 0);
    }

    /** {@link #bank(List)} reduced to at most {@code maxPatches} rows by {@link MemoryBank#coreset} (0 = no limit). */
    public MemoryBank bank(List<float[]> tensors, int maxPatches) {
        return references(tensors.stream().map(List::of).toList(), maxPatches).bank();
    }

    /**
     * A bank and how its reference images score against it leave-one-out.
     *
     * @param bank        the bank of every tile of every reference image, with the {@link MemoryBank.Fusion} statistics
     * @param leaveOneOut per reference image, per tile: its zero-shot score and its few-shot score against the bank of
     *                    the other images (with one image: against the bank of its mirror image, see {@link #references})
     */
    public record References(MemoryBank bank, List<List<SelfScore>> leaveOneOut) {}

    /** A reference tile's zero-shot score and its few-shot score against the other references. */
    public record SelfScore(float zeroShot, float fewShot) {}

    /** The fused signal's weights (zero-shot, few-shot) for the score and the map: see the class comment. */
    static final double ZERO_SHOT_WEIGHT = 0.25, FEW_SHOT_WEIGHT = 0.75;

    /**
     * The memory bank of reference images, each cut into the same number of tiles (each tile [3, S, S]; one tile when
     * not tiled), and how the references score themselves:
     * <pre>
     * run      one engine run per tile: its zero-shot score and map and its patch features (the bank's rows)
     * search   each image i's tiles against the bank of the other images (all tiles of image i left out), on the bank
     *          search of the engine, with image i's own bank rows as the query features: no second vision run
     * one      a single image has no other: it is searched against the bank of its tiles' horizontal mirror images,
     *          the closest stand-in for a second good part (one more run per tile)
     * fusion   means and standard deviations of the zero-shot and few-shot scores and map pixels over every tile
     * </pre>
     * The query rows are the bank's float16 rows (unit length), so the few-shot distances differ from a float32 query's
     * by the float16 rounding (~1e-3 relative), as a served image's distances to the bank do anyway. Before this method
     * a reference ran through the vision tower three times (bank, statistics, threshold); now once.
     *
     * @param maxPatches a coreset bound for the returned bank (0 = every patch); each reference is then searched against
     *                   the coreset's rows of the other images, the bank that is served without it
     */
    public References references(List<List<float[]>> images, int maxPatches) {
        if (images.isEmpty()) throw new IllegalArgumentException("a memory bank needs at least one reference image");
        int tiles = images.get(0).size();
        for (List<float[]> image : images) {
            if (image.size() != tiles || tiles == 0) {
                throw new IllegalArgumentException("every reference image needs the same number of tiles (>= 1), got " + image.size()
                        + " and " + tiles);
            }
        }
        int k = images.size();
        Stats zsScore = new Stats(), fsScore = new Stats(), zsPixel = new Stats(), fsPixel = new Stats();
        List<float[]> all = images.stream().flatMap(List::stream).toList();
        float[] zeroShot = new float[all.size()];
        List<MemoryBank> parts = new ArrayList<>();
        int done = 0;
        for (List<float[]> chunk : EngineBatches.chunks(all, maxBatch)) {
            AnomalyEngine.ScoredFeatures r = engine.scoreAndFeatures(EngineBatches.pack(chunk, engine.imageSize()), chunk.size());
            parts.add(MemoryBank.of(List.of(r.features()))); // float16 right away: one batch of float32 features at a time
            for (int i = 0; i < chunk.size(); i++, done++) {
                zeroShot[done] = r.scores().score(i);
                zsScore.add(zeroShot[done]);
                for (float v : r.scores().map(i)) zsPixel.add(v);
            }
        }
        MemoryBank full = MemoryBank.join(parts);
        int[] kept = maxPatches > 0 && full.size() > maxPatches ? full.coresetRows(maxPatches) : null; // null: every row
        List<List<SelfScore>> self = new ArrayList<>(k);
        for (int i = 0; i < k; i++) {
            MemoryBank others = k == 1 ? mirrorBank(images.get(0)) : othersThan(full, kept, k, i);
            List<SelfScore> scores = new ArrayList<>(tiles);
            for (int from = 0; from < tiles; from += maxBatch) {
                int to = Math.min(tiles, from + maxBatch);
                List<float[]> maps = search(full.asFeatures(k * tiles, i * tiles + from, i * tiles + to), others);
                for (int t = from; t < to; t++) {
                    float[] fs = maps.get(t - from);
                    float score = fewShotScore(fs);
                    scores.add(new SelfScore(zeroShot[i * tiles + t], score));
                    fsScore.add(score);
                    for (float v : fs) fsPixel.add(v);
                }
            }
            self.add(List.copyOf(scores));
        }
        // an image score's spread is at least one map pixel's (in score units: the score is the map's peak / its upper
        // bound), so that a single reference (k = 1: one score, σ = 0) or a few identical ones do not make it explode
        double upper = settings.mapUpperBound();
        MemoryBank.Fusion stats = new MemoryBank.Fusion(zsScore.mean(), Math.max(zsScore.std(), zsPixel.std() / upper), fsScore.mean(),
                Math.max(fsScore.std(), fsPixel.std() / upper), zsPixel.mean(), zsPixel.std(), fsPixel.mean(), fsPixel.std(),
                ZERO_SHOT_WEIGHT, FEW_SHOT_WEIGHT, ZERO_SHOT_WEIGHT, FEW_SHOT_WEIGHT);
        return new References((kept == null ? full : full.rows(kept)).withFusion(stats), List.copyOf(self));
    }

    /**
     * The bank image {@code i} is searched against: every other image's rows, or with a coreset the coreset's rows that
     * are not image i's (the bank served, without image i), so that the statistics and thresholds see what serving sees.
     */
    private static MemoryBank othersThan(MemoryBank full, int[] kept, int images, int i) {
        if (kept == null) return full.leaveOut(images, i);
        int per = full.size() / images;
        int[] rows = java.util.Arrays.stream(kept).filter(r -> r / per != i).toArray();
        return rows.length > 0 ? full.rows(rows) : full.leaveOut(images, i); // the coreset held image i's rows only
    }

    /** The bank of the horizontal mirror images of {@code tiles}. */
    private MemoryBank mirrorBank(List<float[]> tiles) {
        List<float[]> mirrored = tiles.stream().map(t -> mirror(t, engine.imageSize())).toList();
        return MemoryBank.of(EngineBatches.features(engine, mirrored, maxBatch));
    }

    /** The smoothed few-shot maps [S·S] of {@code features} against {@code bank}: on the engine's bank search, else in Java. */
    private List<float[]> search(AnomalyEngine.FeatureBatch features, MemoryBank bank) {
        List<float[]> out = new ArrayList<>(features.batch());
        if (engine.hasFewShotHead()) {
            AnomalyEngine.ScoreBatch r = engine.searchBank(features, bank);
            for (int b = 0; b < features.batch(); b++) out.add(r.map(b));
        } else {
            for (int b = 0; b < features.batch(); b++) out.add(fewShotMap(features, b, bank));
        }
        return out;
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
        for (Signals s : signals(tensors, bank)) out.add(combine(s, bank.fusion(), mode));
        return out;
    }

    /**
     * Both signals of {@code tensors} against {@code bank}: on the engine's bank search when it has one (one run of the
     * vision tower per batch), else with the Java reference {@link #fewShotMap} (a score run and a feature run).
     */
    public List<Signals> signals(List<float[]> tensors, MemoryBank bank) {
        List<Signals> out = new ArrayList<>(tensors.size());
        for (List<float[]> chunk : EngineBatches.chunks(tensors, maxBatch)) {
            float[] input = EngineBatches.pack(chunk, engine.imageSize());
            if (engine.hasFewShotHead()) {
                AnomalyEngine.FewShotBatch r = engine.scoreFewShot(input, chunk.size(), bank);
                for (int i = 0; i < chunk.size(); i++) {
                    out.add(new Signals(r.zeroShot().score(i), r.zeroShot().map(i), r.fewShot().score(i), r.fewShot().map(i)));
                }
            } else {
                AnomalyEngine.ScoreBatch zs = engine.score(input, chunk.size());
                AnomalyEngine.FeatureBatch f = engine.features(input, chunk.size());
                for (int i = 0; i < chunk.size(); i++) {
                    float[] fs = fewShotMap(f, i, bank);
                    out.add(new Signals(zs.score(i), zs.map(i), fewShotScore(fs), fs));
                }
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
        double[][] a = resampling;
        if (a == null || a[0].length != grid) {
            a = Resampling.multiply(Resampling.gaussian(s, settings.sigma()), Resampling.bilinear(grid, s));
            resampling = a;
        }
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

    /** The few-shot image score of a few-shot map: its maximum over the map's upper bound (K for SUM). */
    float fewShotScore(float[] fsMap) {
        float peak = 0;
        for (float v : fsMap) peak = Math.max(peak, v);
        return (float) (peak / settings.mapUpperBound());
    }

    /**
     * The reported score and map of one image by {@code mode}. FUSED (see the class comment) standardises each signal by
     * the references' own statistics, adds them and reports the sum on the few-shot scale; without statistics it
     * averages the raw signals.
     */
    public static Scored combine(Signals s, MemoryBank.Fusion stats, Mode mode) {
        return switch (mode) {
            case ZERO_SHOT -> new Scored(s.zeroShotScore(), s.zeroShotMap(), s.zeroShotScore(), s.fewShotScore());
            case FEW_SHOT -> new Scored(s.fewShotScore(), s.fewShotMap(), s.zeroShotScore(), s.fewShotScore());
            case FUSED -> fuse(s, stats);
        };
    }

    private static Scored fuse(Signals s, MemoryBank.Fusion f) {
        float[] zs = s.zeroShotMap(), fs = s.fewShotMap(), fused = new float[fs.length];
        if (f == null) {
            for (int i = 0; i < fused.length; i++) fused[i] = (zs[i] + fs[i]) / 2;
            return new Scored((s.zeroShotScore() + s.fewShotScore()) / 2, fused, s.zeroShotScore(), s.fewShotScore());
        }
        double pixelScale = spread(f.fsPixelStd(), f.fsPixelMean());
        for (int i = 0; i < fused.length; i++) {
            fused[i] = (float) (f.fsPixelMean() + pixelScale * weighted(standard(zs[i], f.zsPixelMean(), f.zsPixelStd()), f.zsPixelWeight(),
                    standard(fs[i], f.fsPixelMean(), f.fsPixelStd()), f.fsPixelWeight()));
        }
        return new Scored(fusedScore(s.zeroShotScore(), s.fewShotScore(), f), fused, s.zeroShotScore(), s.fewShotScore());
    }

    /** The fused image score of a zero-shot and a few-shot score (see the class comment). */
    private static float fusedScore(float zs, float fs, MemoryBank.Fusion f) {
        double scoreScale = spread(f.fsScoreStd(), f.fsScoreMean());
        return (float) (f.fsScoreMean() + scoreScale * weighted(standard(zs, f.zsScoreMean(), f.zsScoreStd()), f.zsScoreWeight(),
                standard(fs, f.fsScoreMean(), f.fsScoreStd()), f.fsScoreWeight()));
    }

    /** The image score {@code mode} reports for a reference tile's two scores ({@link #combine} without the maps). */
    public static float score(SelfScore s, MemoryBank.Fusion stats, Mode mode) {
        return switch (mode) {
            case ZERO_SHOT -> s.zeroShot();
            case FEW_SHOT -> s.fewShot();
            case FUSED -> stats == null ? (s.zeroShot() + s.fewShot()) / 2 : fusedScore(s.zeroShot(), s.fewShot(), stats);
        };
    }

    /** σ of a signal is counted as at least this fraction of its good level |μ| (see {@link #standard}). */
    static final double RELATIVE_STD_FLOOR = 0.1;

    /**
     * (x − μ) / σ′ with σ′ = max(σ, 0.1·|μ|, 1e-6): a signal that barely moves over the references (an untrained
     * zero-shot head scores every good part alike) is counted as varying by at least a tenth of its level, so that it
     * cannot blow the fused score up by orders of magnitude on the first image that moves it a little.
     */
    static double standard(double x, double mean, double std) {
        return (x - mean) / spread(std, mean);
    }

    /** σ′ = max(σ, 0.1·|μ|, 1e-6), the spread {@link #standard} divides by. */
    static double spread(double std, double mean) {
        return Math.max(std, Math.max(RELATIVE_STD_FLOOR * Math.abs(mean), 1e-6));
    }

    /** (w_zs·zs + w_fs·fs) / (w_zs + w_fs); the plain mean when both weights are 0. */
    static double weighted(double zs, double wZs, double fs, double wFs) {
        double sum = wZs + wFs;
        return sum <= 0 ? (zs + fs) / 2 : (wZs * zs + wFs * fs) / sum;
    }

    /** The image mirrored left to right: [3, S, S] → [3, S, S]. */
    static float[] mirror(float[] chw, int s) {
        float[] out = new float[chw.length];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < s; y++) {
                for (int x = 0; x < s; x++) out[(c * s + y) * s + x] = chw[(c * s + y) * s + (s - 1 - x)];
            }
        }
        return out;
    }

    /** Running mean and (population) standard deviation. */
    private static final class Stats {
        private long n;
        private double mean, m2;

        void add(double x) {
            n++;
            double d = x - mean;
            mean += d / n;
            m2 += d * (x - mean);
        }

        double mean() { return mean; }

        double std() { return n == 0 ? 0 : Math.sqrt(m2 / n); }
    }
}
