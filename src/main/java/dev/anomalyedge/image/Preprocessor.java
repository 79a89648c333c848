package dev.anomalyedge.image;

import dev.anomalyedge.image.PillowResample.Filter;

/**
 * AnomalyCLIP's image and ground-truth-mask pre-processing (docs/method.md §4.1, §4.2), bit-exact with the reference
 * (torchvision {@code Resize((S, S), BICUBIC)}, {@code CenterCrop} (a no-op), {@code convert('RGB')}, {@code ToTensor},
 * {@code Normalize(OpenAI mean, std)} on a Pillow image).
 */
public final class Preprocessor {
    /** OpenAI CLIP's channel means, as float32 ({@code torch.as_tensor(mean, dtype=float32)} rounds the Python doubles). */
    public static final float[] OPENAI_MEAN = {(float) 0.48145466, (float) 0.4578275, (float) 0.40821073};
    /** OpenAI CLIP's channel standard deviations, as float32. */
    public static final float[] OPENAI_STD = {(float) 0.26862954, (float) 0.26130258, (float) 0.27577711};

    private final int imageSize;

    /** @param imageSize the model input side {@code S} ({@code --image_size}, config {@code image_size}) */
    public Preprocessor(int imageSize) {
        if (imageSize < 1) throw new IllegalArgumentException("image size must be positive, got " + imageSize);
        this.imageSize = imageSize;
    }

    public int imageSize() { return imageSize; }

    /**
     * The RGB picture the model sees, before normalisation: {@code img.resize((S, S), BICUBIC).convert('RGB')}
     * (aspect ratio not preserved; the mode decides how Pillow resizes, see {@link PillowImage}).
     */
    public PillowImage resizeRgb(PillowImage image) {
        return image.resize(imageSize, imageSize, Filter.BICUBIC).toRgb();
    }

    /**
     * The network input {@code [3, S, S]} (CHW, row-major), float32: {@code x = v / 255; (x − mean_c) / std_c}
     * evaluated in float32 like torchvision.
     */
    public float[] image(PillowImage image) {
        return tensor(resizeRgb(image));
    }

    /**
     * {@link #image} for a picture already resized by {@link #resizeRgb}, so that a caller that keeps the resized
     * picture (for the heatmap) resizes once.
     */
    public float[] tensor(PillowImage resizedRgb) {
        if (resizedRgb.mode() != PixelMode.RGB || resizedRgb.width() != imageSize || resizedRgb.height() != imageSize) {
            throw new IllegalArgumentException("expected the RGB " + imageSize + "x" + imageSize + " picture from resizeRgb, got " + resizedRgb);
        }
        byte[] px = resizedRgb.samples();
        int plane = imageSize * imageSize;
        float[] chw = new float[3 * plane];
        for (int c = 0; c < 3; c++) {
            float mean = OPENAI_MEAN[c];
            float std = OPENAI_STD[c];
            for (int i = 0; i < plane; i++) {
                float x = (px[3 * i + c] & 0xff) / 255f;
                chw[c * plane + i] = (x - mean) / std;
            }
        }
        return chw;
    }

    /**
     * The ground-truth mask {@code [S, S]} with values 0/1 for an anomalous image: {@code convert('L')} →
     * {@code > 0} → {0, 255} → {@code resize((S, S), BILINEAR)} → {@code / 255} → {@code > 0.5}.
     */
    public float[] mask(PillowImage maskImage) {
        PillowImage grey = maskImage.toL();
        byte[] binary = grey.samples();
        for (int i = 0; i < binary.length; i++) binary[i] = (byte) (binary[i] != 0 ? 255 : 0);
        PillowImage resized = PillowImage.wrap(PixelMode.L, grey.width(), grey.height(), binary)
                .resize(imageSize, imageSize, Filter.BILINEAR);
        byte[] px = resized.samples();
        float[] out = new float[px.length];
        for (int i = 0; i < px.length; i++) out[i] = (px[i] & 0xff) / 255f > 0.5f ? 1f : 0f;
        return out;
    }

    /** The mask of a normal image (the reference never reads a file for it): all zeros, {@code [S, S]}. */
    public float[] normalMask() {
        return new float[imageSize * imageSize];
    }
}
