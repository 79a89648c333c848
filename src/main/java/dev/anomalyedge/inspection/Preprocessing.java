package dev.anomalyedge.inspection;

import dev.anomalyedge.image.ImageDecoder;
import dev.anomalyedge.image.PillowImage;
import dev.anomalyedge.image.Preprocessor;

import java.nio.file.Path;

/**
 * Turns image bytes or an image file into what the model takes: decode within the decoder's limits, resize exactly
 * like Pillow to the model's S×S RGB picture, normalise to a CHW tensor ({@link Preprocessor}). Every path to an
 * engine (service, {@code inspect}, evaluation, calibration, feature extraction, benchmarks) prepares its images here.
 *
 * <p>An image at least {@code 2·subsampleMinScale} times the model input on a side is subsampled while decoding
 * (keeping at least {@code subsampleMinScale} times the model input, see {@link ImageDecoder#decode(byte[], String,
 * int, int)}), then resized exactly like Pillow; smaller images follow the Pillow-exact path unchanged.
 * {@code subsampleMinScale = 0} never subsamples, which is what the reference does; files are never subsampled. Decode
 * failures are thrown as the decoder's exceptions.
 */
public final class Preprocessing {

    /**
     * One image ready for the engine.
     *
     * @param resized the S×S RGB picture the model sees (the base of the heatmap overlay)
     * @param tensor  the normalised input [3, S, S], CHW
     */
    public record Input(PillowImage resized, float[] tensor) {}

    private final Preprocessor preprocessor;
    private final ImageDecoder decoder;
    private final int keep;

    /** The reference's path: the default decoder limits, no subsampling. */
    public Preprocessing(int imageSize) {
        this(imageSize, new ImageDecoder(), 0);
    }

    /** @param subsampleMinScale 0 = never subsample (the decoded image is exactly Pillow's) */
    public Preprocessing(int imageSize, ImageDecoder decoder, int subsampleMinScale) {
        if (subsampleMinScale < 0) throw new IllegalArgumentException("subsample min scale must be >= 0 (0 = off), got " + subsampleMinScale);
        this.preprocessor = new Preprocessor(imageSize);
        this.decoder = decoder;
        this.keep = subsampleMinScale == 0 ? Integer.MAX_VALUE : (int) Math.min(Integer.MAX_VALUE, (long) subsampleMinScale * imageSize);
    }

    /** S, the model input side. */
    public int imageSize() { return preprocessor.imageSize(); }

    /** {@code bytes} as the model's input; {@code source} names the image in error messages. The decoded image is garbage on return. */
    public Input prepare(byte[] bytes, String source) {
        return prepare(decoder.decode(bytes, source, keep, keep));
    }

    /** An image file as the model's input, decoded at full resolution (the offline paths follow the reference exactly). */
    public Input prepare(Path file) {
        return prepare(decoder.decode(file));
    }

    /** An already decoded image as the model's input. */
    public Input prepare(PillowImage decoded) {
        PillowImage resized = preprocessor.resizeRgb(decoded);
        return new Input(resized, preprocessor.tensor(resized));
    }
}
