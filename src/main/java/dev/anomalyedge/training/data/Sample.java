package dev.anomalyedge.training.data;

import java.nio.file.Path;
import java.util.Objects;

/**
 * One labelled image of a data set.
 *
 * <p>Masks follow the reference ({@code dataset.py}, docs/method.md §4.2): a good image has no mask file and stands for an
 * all-zero mask; a mask file is read as grey and binarised with {@code > 0}. An anomalous image may lack a mask
 * ({@code mask == null}): the reference then uses an all-zero mask ("just for classification"); pixel metrics should
 * skip such images.
 *
 * @param image      absolute path of the image file
 * @param className  object class ("bottle", "candle", ...)
 * @param label      0 good, 1 anomalous
 * @param mask       absolute path of the 0/non-zero mask, or null (always null for good images)
 * @param defectType defect folder name ("scratch"), "good" for good images, "anomaly" when the format has no type
 * @param split      split the sample was listed in
 */
public record Sample(Path image, String className, int label, Path mask, String defectType, Split split) {
    public static final int GOOD = 0;
    public static final int ANOMALOUS = 1;

    public Sample {
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(className, "className");
        Objects.requireNonNull(defectType, "defectType");
        Objects.requireNonNull(split, "split");
        if (label != GOOD && label != ANOMALOUS) {
            throw new IllegalArgumentException("label must be 0 (good) or 1 (anomalous), found " + label + " for " + image);
        }
        if (label == GOOD && mask != null) {
            throw new IllegalArgumentException("a good image has no mask: " + image + " with mask " + mask);
        }
    }

    public boolean anomalous() {
        return label == ANOMALOUS;
    }

    /** True for anomalous images with a mask file: the ones pixel-level losses and metrics can use. */
    public boolean hasMask() {
        return mask != null;
    }
}
