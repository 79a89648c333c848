package dev.anomalyedge.inspection;

import dev.anomalyedge.engine.AnomalyEngine;
import dev.anomalyedge.image.PillowImage;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Scores image files with an engine: {@link Preprocessing} per file, then {@link EngineBatches} in calls of at most
 * {@code batchSize} images. A file that cannot be decoded yields a failed result with the reason; the others are
 * still scored. At most one batch of pictures is held at a time.
 */
public final class Inspector {
    private final AnomalyEngine engine;
    private final Preprocessing preprocessing;

    public Inspector(AnomalyEngine engine, Preprocessing preprocessing) {
        if (preprocessing.imageSize() != engine.imageSize()) {
            throw new IllegalArgumentException("images prepared at " + preprocessing.imageSize() + " px for a " + engine.imageSize() + " px engine");
        }
        this.engine = engine;
        this.preprocessing = preprocessing;
    }

    /**
     * One image's outcome: on success the score, the smoothed map [S*S] and the S×S RGB picture the model saw; on
     * failure only {@code error} (the decoder's exception).
     */
    public record Result(Path file, float score, float[] map, PillowImage resized, RuntimeException error) {
        public boolean ok() { return error == null; }
    }

    /** The results of {@code files}, in order. */
    public List<Result> inspect(List<Path> files, int batchSize) {
        if (batchSize < 1) throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        Result[] out = new Result[files.size()];
        List<Integer> pending = new ArrayList<>(batchSize);
        List<Preprocessing.Input> inputs = new ArrayList<>(batchSize);
        for (int i = 0; i < files.size(); i++) {
            Path f = files.get(i);
            try {
                inputs.add(preprocessing.prepare(f));
                pending.add(i);
            } catch (RuntimeException e) {
                out[i] = new Result(f, Float.NaN, null, null, e);
            }
            if (pending.size() == batchSize) score(files, pending, inputs, out);
        }
        score(files, pending, inputs, out);
        return Arrays.asList(out);
    }

    private void score(List<Path> files, List<Integer> pending, List<Preprocessing.Input> inputs, Result[] out) {
        if (pending.isEmpty()) return;
        List<EngineBatches.Scored> scored = EngineBatches.score(engine, inputs.stream().map(Preprocessing.Input::tensor).toList(), pending.size());
        for (int j = 0; j < pending.size(); j++) {
            int i = pending.get(j);
            out[i] = new Result(files.get(i), scored.get(j).score(), scored.get(j).map(), inputs.get(j).resized(), null);
        }
        pending.clear();
        inputs.clear();
    }
}
