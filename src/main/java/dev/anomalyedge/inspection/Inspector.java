package dev.anomalyedge.inspection;

import dev.anomalyedge.engine.AnomalyEngine;
import dev.anomalyedge.image.ImageDecoder;
import dev.anomalyedge.image.PillowImage;
import dev.anomalyedge.image.Preprocessor;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Scores image files with an engine: decode → Pillow-exact resize and normalise → engine in batches. A file that
 * cannot be decoded yields a failed result with the reason; the others are still scored.
 */
public final class Inspector {
    private final AnomalyEngine engine;
    private final ImageDecoder decoder;
    private final Preprocessor preprocessor;

    public Inspector(AnomalyEngine engine, long maxPixels) {
        this.engine = engine;
        this.decoder = new ImageDecoder(maxPixels);
        this.preprocessor = new Preprocessor(engine.imageSize());
    }

    /**
     * One image's outcome: on success the score, the smoothed map [S*S] and the S×S RGB image the model saw; on
     * failure only {@code error}.
     */
    public record Result(Path file, float score, float[] map, int size, PillowImage resized, String error) {
        public boolean ok() { return error == null; }
    }

    public List<Result> inspect(List<Path> files, int batchSize) {
        if (batchSize < 1) throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        int s = engine.imageSize();
        List<Result> out = new ArrayList<>();
        List<Path> pending = new ArrayList<>();
        List<PillowImage> pendingImages = new ArrayList<>();
        List<float[]> pendingTensors = new ArrayList<>();
        for (Path f : files) {
            try {
                PillowImage resized = preprocessor.resizeRgb(decoder.decode(f));
                pendingImages.add(resized);
                pendingTensors.add(preprocessor.tensor(resized));
                pending.add(f);
            } catch (RuntimeException e) {
                out.add(new Result(f, Float.NaN, null, s, null, e.getMessage()));
            }
            if (pending.size() == batchSize) flush(pending, pendingImages, pendingTensors, out);
        }
        flush(pending, pendingImages, pendingTensors, out);
        out.sort((a, b) -> Integer.compare(files.indexOf(a.file()), files.indexOf(b.file())));
        return out;
    }

    private void flush(List<Path> files, List<PillowImage> images, List<float[]> tensors, List<Result> out) {
        if (files.isEmpty()) return;
        int s = engine.imageSize();
        int per = 3 * s * s;
        float[] batch = new float[files.size() * per];
        for (int i = 0; i < tensors.size(); i++) System.arraycopy(tensors.get(i), 0, batch, i * per, per);
        AnomalyEngine.ScoreBatch scored = engine.score(batch, files.size());
        for (int i = 0; i < files.size(); i++) {
            out.add(new Result(files.get(i), scored.score(i), scored.map(i), s, images.get(i), null));
        }
        files.clear();
        images.clear();
        tensors.clear();
    }
}
