package dev.anomalyedge.features;

import dev.anomalyedge.engine.AnomalyEngine;
import dev.anomalyedge.image.Preprocessor;
import dev.anomalyedge.inspection.EngineBatches;
import dev.anomalyedge.inspection.Preprocessing;
import dev.anomalyedge.weights.Checkpoints;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.IntConsumer;

/**
 * The frozen visual features of image files: from the {@link FeatureCache} when present, otherwise computed by the
 * engine ({@link Preprocessing} → {@link EngineBatches#features}) and stored in it.
 *
 * <p>With a cache, every value handed out is the value as stored (float16-rounded, see {@link FeatureCache}), also
 * right after computing it, so a run gives the same numbers whether the cache was cold or warm. Without a cache
 * ({@code cache == null}) the engine's float32 features are used as they are.
 *
 * <p>The store does not own the engine or the cache. Not thread-safe.
 */
public final class FeatureStore {
    /** K taps, T = G·G + 1 tokens, E embedding dimension of one image's features. */
    public record Shape(int taps, int tokens, int embedDim) {}

    /** Features of a batch of B images: image [B, E] and patch [K, B, T, E], float32. */
    public record Batch(int size, Shape shape, float[] imageFeatures, float[] patchFeatures) {}

    private final AnomalyEngine engine;
    private final String graphSha256;
    private final FeatureCache cache;
    private final Shape shape;
    private final Preprocessing preprocessing;
    private final String preprocessingKey;
    private final int engineBatch;
    private final Map<Path, String> imageHashes = new HashMap<>();
    private long computed;

    /**
     * @param graphSha256 content hash of the engine's graph ({@link FeatureGraph#sha256()})
     * @param cache       the cache, or null to always compute
     * @param engineBatch images per engine call when computing
     */
    public FeatureStore(AnomalyEngine engine, String graphSha256, FeatureCache cache, Shape shape, int engineBatch) {
        if (engineBatch < 1) throw new IllegalArgumentException("engine batch must be >= 1, got " + engineBatch);
        this.engine = engine;
        this.graphSha256 = graphSha256;
        this.cache = cache;
        this.shape = shape;
        this.engineBatch = engineBatch;
        this.preprocessing = new Preprocessing(engine.imageSize());
        this.preprocessingKey = preprocessingDescription(engine.imageSize());
    }

    /** What {@link Preprocessor#image} does, as part of the cache key. */
    public static String preprocessingDescription(int imageSize) {
        return "resize=" + imageSize + "x" + imageSize + " pillow-bicubic rgb mean=" + Arrays.toString(Preprocessor.OPENAI_MEAN)
                + " std=" + Arrays.toString(Preprocessor.OPENAI_STD) + " layout=NCHW";
    }

    public Shape shape() { return shape; }

    public int imageSize() { return engine.imageSize(); }

    /** Images run through the engine so far (cache misses, or all images without a cache). */
    public long computedImages() { return computed; }

    /**
     * Makes sure every image is in the cache, computing the missing ones in engine batches. Calls {@code done} with the
     * number of images handled so far; stops early (returns false) when {@code cancelled} turns true.
     */
    public boolean prefetch(List<Path> images, IntConsumer done, BooleanSupplier cancelled) {
        if (cache == null) return true;
        List<Path> missing = new ArrayList<>();
        int handled = 0;
        for (Path p : images) {
            if (cancelled.getAsBoolean()) return false;
            if (!cache.contains(key(p))) missing.add(p);
            else done.accept(++handled);
            if (missing.size() == engineBatch) {
                compute(missing);
                handled += missing.size();
                missing.clear();
                done.accept(handled);
            }
        }
        if (!missing.isEmpty()) {
            compute(missing);
            handled += missing.size();
            done.accept(handled);
        }
        return true;
    }

    /** The features of {@code images} as one batch, in order. */
    public Batch batch(List<Path> images) {
        int b = images.size();
        int k = shape.taps(), t = shape.tokens(), e = shape.embedDim();
        float[] image = new float[b * e];
        float[] patch = new float[Math.toIntExact((long) k * b * t * e)];
        List<Integer> missing = new ArrayList<>();
        for (int i = 0; i < b; i++) {
            if (cache == null || !cache.copyInto(key(images.get(i)), i, b, image, patch, k, t, e)) missing.add(i);
        }
        for (List<Integer> chunk : EngineBatches.chunks(missing, engineBatch)) {
            List<FeatureCache.Entry> entries = compute(chunk.stream().map(images::get).toList());
            for (int j = 0; j < chunk.size(); j++) place(entries.get(j), chunk.get(j), b, image, patch);
        }
        return new Batch(b, shape, image, patch);
    }

    private void place(FeatureCache.Entry entry, int i, int b, float[] image, float[] patch) {
        int k = shape.taps(), plane = shape.tokens() * shape.embedDim(), e = shape.embedDim();
        System.arraycopy(entry.imageFeatures(), 0, image, i * e, e);
        for (int tap = 0; tap < k; tap++) System.arraycopy(entry.patchFeatures(), tap * plane, patch, (tap * b + i) * plane, plane);
    }

    /** Runs the engine on {@code images} (at most one engine batch), stores the entries, and returns them as stored. */
    private List<FeatureCache.Entry> compute(List<Path> images) {
        int n = images.size();
        List<float[]> tensors = images.stream().map(p -> preprocessing.prepare(p).tensor()).toList();
        AnomalyEngine.FeatureBatch fb = EngineBatches.features(engine, tensors, n).get(0);
        int k = fb.taps(), t = fb.tokens(), e = fb.embedDim();
        if (k != shape.taps() || t != shape.tokens() || e != shape.embedDim()) {
            throw new IllegalStateException("the engine returns features [K=" + k + ", T=" + t + ", E=" + e + "] but the trainer expects "
                    + shape);
        }
        computed += n;
        List<FeatureCache.Entry> out = new ArrayList<>(n);
        int tokPlane = t * e;
        for (int i = 0; i < n; i++) {
            float[] img = Arrays.copyOfRange(fb.imageFeatures(), i * e, (i + 1) * e);
            float[] pat = new float[k * tokPlane];
            for (int tap = 0; tap < k; tap++) System.arraycopy(fb.patchFeatures(), (tap * n + i) * tokPlane, pat, tap * tokPlane, tokPlane);
            FeatureCache.Entry entry = new FeatureCache.Entry(k, t, e, img, pat);
            if (cache != null) {
                cache.put(key(images.get(i)), entry);
                entry = FeatureCache.asStored(entry);
            }
            out.add(entry);
        }
        return out;
    }

    private String key(Path image) {
        String imageHash = imageHashes.computeIfAbsent(image, Checkpoints::sha256);
        return FeatureCache.key(graphSha256, imageHash, preprocessingKey);
    }
}
