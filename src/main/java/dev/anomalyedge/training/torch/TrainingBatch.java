package dev.anomalyedge.training.torch;

import dev.anomalyedge.tensor.Tensor;

import java.util.Arrays;

/**
 * One training batch of precomputed (frozen) visual features with its labels and masks.
 *
 * <p>The features are the vision graph's outputs, <em>not</em> normalised: {@code imageFeatures} [B, E] = CLS of the
 * original path @ visual.proj (no ln_post), {@code patchFeatures} [K, B, T, E] = ln_post(tap) @ visual.proj for each
 * tap, T = G·G + 1 with the CLS token at index 0. {@code labels} [B] are 0 (normal) / 1 (anomalous);
 * {@code masks} [B, S, S] hold 0/1 (S = image size), all zero for normal images.
 *
 * <p>Unlike the reference (which squeezes its tensors), a batch of one image is fine.
 *
 * @param imageFeatures [B, E] float
 * @param patchFeatures [K, B, T, E] float
 * @param labels        [B] 0/1
 * @param masks         [B, S, S] float 0/1
 */
public record TrainingBatch(Tensor imageFeatures, Tensor patchFeatures, long[] labels, Tensor masks) {

    public TrainingBatch {
        labels = labels.clone();
        require(imageFeatures.isFloating() && imageFeatures.rank() == 2, "image features must be float [B, E]", imageFeatures);
        require(patchFeatures.isFloating() && patchFeatures.rank() == 4, "patch features must be float [K, B, T, E]", patchFeatures);
        long b = imageFeatures.dim(0), e = imageFeatures.dim(1);
        if (b < 1) throw new IllegalArgumentException("a batch needs at least one image, got " + imageFeatures);
        if (patchFeatures.dim(0) < 1 || patchFeatures.dim(1) != b || patchFeatures.dim(3) != e) {
            throw new IllegalArgumentException("patch features must be [K>=1, B=" + b + ", T, E=" + e + "], got "
                    + patchFeatures.shapeString());
        }
        long t = patchFeatures.dim(2);
        long g = gridSide(t);
        if (g < 0) {
            throw new IllegalArgumentException("patch features have T=" + t + " tokens per image, expected G·G + 1 (CLS first)");
        }
        if (labels.length != b) throw new IllegalArgumentException("need " + b + " labels, got " + labels.length);
        for (long l : labels) {
            if (l != 0 && l != 1) throw new IllegalArgumentException("labels must be 0 (normal) or 1 (anomalous), got " + Arrays.toString(labels));
        }
        require(masks.isFloating() && masks.rank() == 3 && masks.dim(0) == b && masks.dim(1) == masks.dim(2) && masks.dim(1) >= 1,
                "masks must be float [B=" + b + ", S, S]", masks);
        for (float v : masks.floats()) {
            if (v != 0f && v != 1f) throw new IllegalArgumentException("masks must hold only 0 and 1, found " + v);
        }
    }

    /**
     * A batch from tensors as read from files: integer labels (e.g. int32 {@code labels.npy}) and masks either
     * integer 0/1 (uint8 {@code gt_mask.npy}) or float 0/1.
     */
    public static TrainingBatch of(Tensor imageFeatures, Tensor patchFeatures, Tensor labels, Tensor masks) {
        if (labels.isFloating() || labels.rank() != 1) throw new IllegalArgumentException("labels must be an integer [B] tensor, got " + labels);
        Tensor floatMasks = masks;
        if (!masks.isFloating()) {
            long[] m = masks.longs();
            float[] f = new float[m.length];
            for (int i = 0; i < m.length; i++) f[i] = m[i];
            floatMasks = Tensor.ofFloats(masks.shape(), f);
        }
        return new TrainingBatch(imageFeatures, patchFeatures, labels.longs(), floatMasks);
    }

    /** Number of images B. */
    public int size() { return (int) imageFeatures.dim(0); }

    /** Number of taps K. */
    public int taps() { return (int) patchFeatures.dim(0); }

    /** Patch grid side G (T = G·G + 1). */
    public int grid() { return (int) gridSide(patchFeatures.dim(2)); }

    /** Image (and mask) side S. */
    public int imageSize() { return (int) masks.dim(1); }

    @Override
    public long[] labels() { return labels.clone(); }

    /** G with G·G + 1 = tokens, or −1 if there is none. */
    static long gridSide(long tokens) {
        long g = Math.round(Math.sqrt(Math.max(tokens - 1, 0)));
        return tokens >= 2 && g * g + 1 == tokens ? g : -1;
    }

    private static void require(boolean ok, String what, Tensor found) {
        if (!ok) throw new IllegalArgumentException(what + ", got " + found);
    }
}
