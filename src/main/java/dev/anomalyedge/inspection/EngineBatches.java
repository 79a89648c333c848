package dev.anomalyedge.inspection;

import dev.anomalyedge.engine.AnomalyEngine;

import java.util.ArrayList;
import java.util.List;

/**
 * Runs an engine on per-image inputs: packs the [3, S, S] tensors of {@link Preprocessing.Input} into the engine's
 * [B, 3, S, S] batch and calls {@link AnomalyEngine#score} or {@link AnomalyEngine#features} in chunks of at most
 * {@code maxBatch} images, keeping the images' order.
 */
public final class EngineBatches {
    private EngineBatches() {}

    /** One image's engine output: its score and smoothed map [S·S]. */
    public record Scored(float score, float[] map) {}

    /** The batch [B, 3, S, S] of {@code tensors} (each [3, S, S]), in order. */
    public static float[] pack(List<float[]> tensors, int imageSize) {
        int per = 3 * imageSize * imageSize;
        float[] batch = new float[Math.toIntExact(AnomalyEngine.inputLength(tensors.size(), imageSize))];
        for (int i = 0; i < tensors.size(); i++) {
            float[] t = tensors.get(i);
            if (t.length != per) {
                throw new IllegalArgumentException("image " + i + " has " + t.length + " values, a [3, " + imageSize + ", " + imageSize
                        + "] input has " + per);
            }
            System.arraycopy(t, 0, batch, i * per, per);
        }
        return batch;
    }

    /** Scores and maps of {@code tensors}, in order, in engine calls of at most {@code maxBatch} images. */
    public static List<Scored> score(AnomalyEngine engine, List<float[]> tensors, int maxBatch) {
        List<Scored> out = new ArrayList<>(tensors.size());
        for (List<float[]> chunk : chunks(tensors, maxBatch)) {
            AnomalyEngine.ScoreBatch batch = engine.score(pack(chunk, engine.imageSize()), chunk.size());
            for (int i = 0; i < chunk.size(); i++) out.add(new Scored(batch.score(i), batch.map(i)));
        }
        return out;
    }

    /** The features of {@code tensors}: one batch per engine call of at most {@code maxBatch} images, in order. */
    public static List<AnomalyEngine.FeatureBatch> features(AnomalyEngine engine, List<float[]> tensors, int maxBatch) {
        List<AnomalyEngine.FeatureBatch> out = new ArrayList<>();
        for (List<float[]> chunk : chunks(tensors, maxBatch)) out.add(engine.features(pack(chunk, engine.imageSize()), chunk.size()));
        return out;
    }

    /** {@code items} cut into consecutive runs of at most {@code max}. */
    public static <T> List<List<T>> chunks(List<T> items, int max) {
        if (max < 1) throw new IllegalArgumentException("batch size must be >= 1, got " + max);
        List<List<T>> out = new ArrayList<>();
        for (int from = 0; from < items.size(); from += max) out.add(items.subList(from, Math.min(items.size(), from + max)));
        return out;
    }
}
