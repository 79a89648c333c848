package dev.anomalyedge.evaluation;

import dev.anomalyedge.features.FeatureStore;

import dev.anomalyedge.engine.AnomalyEngine;
import dev.anomalyedge.image.ImageDecoder;
import dev.anomalyedge.image.Preprocessor;

import java.nio.file.Path;
import java.util.List;

/** Image scores and smoothed anomaly maps [S·S] for image files, as the bundle's engine computes them. */
public interface ImageScorer {
    /** S, the side of the maps. */
    int imageSize();

    /** Scores [B] and maps [B][S·S] of {@code images}, in order. */
    Scores score(List<Path> images);

    record Scores(float[] scores, float[][] maps) {}

    /** Through an engine's {@link AnomalyEngine#score}: decode, {@link Preprocessor#image}, run in batches. */
    static ImageScorer of(AnomalyEngine engine, int batch) {
        if (batch < 1) throw new IllegalArgumentException("batch must be >= 1, got " + batch);
        ImageDecoder decoder = new ImageDecoder();
        Preprocessor preprocessor = new Preprocessor(engine.imageSize());
        return new ImageScorer() {
            @Override
            public int imageSize() { return engine.imageSize(); }

            @Override
            public Scores score(List<Path> images) {
                int n = images.size(), s = engine.imageSize(), plane = 3 * s * s;
                float[] scores = new float[n];
                float[][] maps = new float[n][];
                for (int from = 0; from < n; from += batch) {
                    int b = Math.min(batch, n - from);
                    float[] input = new float[Math.toIntExact(AnomalyEngine.inputLength(b, s))];
                    for (int i = 0; i < b; i++) {
                        System.arraycopy(preprocessor.image(decoder.decode(images.get(from + i))), 0, input, i * plane, plane);
                    }
                    AnomalyEngine.ScoreBatch out = engine.score(input, b);
                    for (int i = 0; i < b; i++) {
                        scores[from + i] = out.score(i);
                        maps[from + i] = out.map(i);
                    }
                }
                return new Scores(scores, maps);
            }
        };
    }

    /** From (cached) features with {@link FeatureScorer}: the scoring head only, no vision tower. */
    static ImageScorer of(FeatureStore store, FeatureScorer scorer) {
        return new ImageScorer() {
            @Override
            public int imageSize() { return scorer.imageSize(); }

            @Override
            public Scores score(List<Path> images) {
                FeatureStore.Batch f = store.batch(images);
                float[] scores = new float[f.size()];
                float[][] maps = new float[f.size()][];
                for (int i = 0; i < f.size(); i++) {
                    scores[i] = scorer.score(f.imageFeatures(), i);
                    maps[i] = scorer.map(f.patchFeatures(), i, f.size(), f.shape().taps());
                }
                return new Scores(scores, maps);
            }
        };
    }
}
