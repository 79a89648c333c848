package dev.anomalyedge.engine;

import dev.anomalyedge.fewshot.MemoryBank;

/**
 * Runs the AnomalyCLIP vision + scoring model on batches of preprocessed images. Implementations (ONNX Runtime,
 * TensorRT) own their native resources and release them in {@link #close()}.
 *
 * <p>Images are passed as one float array [B, 3, S, S], row-major, already resized and normalised (docs/method.md §4.1).
 */
public interface AnomalyEngine extends AutoCloseable {

    /** S, the square input side the model was built for. */
    int imageSize();

    /** A short name of the backend, e.g. "onnxruntime-cpu". */
    String backend();

    /** Image scores [B] and smoothed anomaly maps [B, S, S]. */
    ScoreBatch score(float[] images, int batch);

    /** Patch features [K, B, T, E] (ln_post·proj of the taps, not normalised) and image features [B, E] (not normalised). */
    FeatureBatch features(float[] images, int batch);

    /**
     * The zero-shot scores and maps and the patch features of the same images. By default two runs ({@link #score} and
     * {@link #features}); an engine whose one run yields both overrides it (TensorRT's plan computes every output anyway).
     */
    default ScoredFeatures scoreAndFeatures(float[] images, int batch) {
        return new ScoredFeatures(score(images, batch), features(images, batch));
    }

    /**
     * Few-shot scoring: one run of the vision tower gives the zero-shot scores and maps and the patch features, and the
     * engine's bank search compares the features with {@code bank} (see {@code graph.FewShotGraphBuilder}).
     *
     * @throws EngineException when this engine has no bank search (see {@link #hasFewShotHead()})
     */
    default FewShotBatch scoreFewShot(float[] images, int batch, MemoryBank bank) {
        throw new EngineException(backend() + " engine has no few-shot bank search");
    }

    /**
     * The bank search alone on features already computed: few-shot scores [B] and smoothed maps [B, S, S] of
     * {@code features} against {@code bank}.
     *
     * @throws EngineException when this engine has no bank search (see {@link #hasFewShotHead()})
     */
    default ScoreBatch searchBank(FeatureBatch features, MemoryBank bank) {
        throw new EngineException(backend() + " engine has no few-shot bank search");
    }

    /** Whether {@link #scoreFewShot} and {@link #searchBank} run on this engine. */
    default boolean hasFewShotHead() {
        return false;
    }

    @Override
    void close();

    /** Number of floats of a batch of {@code batch} images of side {@code size}: B·3·S·S. */
    static long inputLength(int batch, int size) {
        return (long) batch * 3 * size * size;
    }

    /**
     * Scores of one batch.
     *
     * @param scores image anomaly scores [B]
     * @param maps   smoothed anomaly maps [B, S, S], row-major
     */
    record ScoreBatch(int batch, int size, float[] scores, float[] maps) {
        public ScoreBatch {
            if (scores.length != batch || maps.length != (long) batch * size * size) {
                throw new IllegalArgumentException("score batch of " + batch + " images of " + size + "² needs " + batch
                        + " scores and " + (long) batch * size * size + " map values, got " + scores.length + " and " + maps.length);
            }
        }

        /** Image {@code i}'s score. */
        public float score(int i) {
            return scores[checkIndex(i)];
        }

        /** A copy of image {@code i}'s map [S, S]. */
        public float[] map(int i) {
            int n = size * size;
            float[] out = new float[n];
            System.arraycopy(maps, checkIndex(i) * n, out, 0, n);
            return out;
        }

        private int checkIndex(int i) {
            if (i < 0 || i >= batch) throw new IndexOutOfBoundsException("image " + i + " of a batch of " + batch);
            return i;
        }
    }

    /**
     * A batch scored both ways from one run of the vision tower.
     *
     * @param zeroShot the zero-shot scores [B] and maps [B, S, S] ({@link #score})
     * @param fewShot  the few-shot scores [B] and maps [B, S, S] against the bank
     */
    /** Zero-shot scores and maps with the features of the same batch ({@link #scoreAndFeatures}). */
    record ScoredFeatures(ScoreBatch scores, FeatureBatch features) {
        public ScoredFeatures {
            if (scores.batch() != features.batch()) {
                throw new IllegalArgumentException("scores of " + scores.batch() + " images with features of " + features.batch());
            }
        }
    }

    record FewShotBatch(ScoreBatch zeroShot, ScoreBatch fewShot) {
        public FewShotBatch {
            if (zeroShot.batch() != fewShot.batch() || zeroShot.size() != fewShot.size()) {
                throw new IllegalArgumentException("zero-shot [" + zeroShot.batch() + ", " + zeroShot.size() + "²] and few-shot ["
                        + fewShot.batch() + ", " + fewShot.size() + "²] batches differ");
            }
        }
    }

    /**
     * Features of one batch.
     *
     * @param patchFeatures [K, B, T, E], row-major (T includes the CLS token at index 0)
     * @param imageFeatures [B, E]
     */
    record FeatureBatch(int batch, int taps, int tokens, int embedDim, float[] patchFeatures, float[] imageFeatures) {
        public FeatureBatch {
            if (patchFeatures.length != (long) taps * batch * tokens * embedDim || imageFeatures.length != (long) batch * embedDim) {
                throw new IllegalArgumentException("feature batch [K=" + taps + ", B=" + batch + ", T=" + tokens + ", E=" + embedDim
                        + "] does not match " + patchFeatures.length + " patch and " + imageFeatures.length + " image values");
            }
        }
    }
}
