package dev.anomalyedge.evaluation;

import dev.anomalyedge.engine.AnomalyEngine;
import dev.anomalyedge.features.FeatureStore;
import dev.anomalyedge.inspection.EngineBatches;
import dev.anomalyedge.inspection.Inspector;
import dev.anomalyedge.inspection.Preprocessing;

import java.nio.file.Path;
import java.util.List;

/** Image scores and smoothed anomaly maps [S·S] for image files, as the bundle's engine computes them. */
public interface ImageScorer {
    /** S, the side of the maps. */
    int imageSize();

    /** Scores [B] and maps [B][S·S] of {@code images}, in order. */
    Scores score(List<Path> images);

    record Scores(float[] scores, float[][] maps) {}

    /**
     * Through an engine's {@link AnomalyEngine#score}: {@link Preprocessing} and {@link EngineBatches} by way of
     * {@link Inspector}, in engine calls of at most {@code batch} images. An image that cannot be decoded fails the call
     * with the decoder's exception.
     */
    static ImageScorer of(AnomalyEngine engine, int batch) {
        if (batch < 1) throw new IllegalArgumentException("batch must be >= 1, got " + batch);
        Inspector inspector = new Inspector(engine, new Preprocessing(engine.imageSize()));
        return new ImageScorer() {
            @Override
            public int imageSize() { return engine.imageSize(); }

            @Override
            public Scores score(List<Path> images) {
                List<Inspector.Result> results = inspector.inspect(images, batch);
                float[] scores = new float[results.size()];
                float[][] maps = new float[results.size()][];
                for (int i = 0; i < results.size(); i++) {
                    Inspector.Result r = results.get(i);
                    if (!r.ok()) throw r.error();
                    scores[i] = r.score();
                    maps[i] = r.map();
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
