package dev.anomalyedge.training.data;

import java.util.EnumSet;
import java.util.Set;

/**
 * How to load a data set.
 *
 * @param splits               splits to keep (FOLDER samples are all TEST)
 * @param allowPseudoAnomalies accept a data set without anomalous images: training will synthesise pseudo-anomalies
 *                             ({@link PseudoAnomalies}); otherwise such a data set is rejected
 * @param requireMasks         an anomalous image without mask is an error (default: accepted with a warning, the
 *                             reference's "classification only" case)
 * @param verifyImages         open every image and mask header (no pixel decoding) to catch unreadable files and
 *                             mask/image size mismatches
 */
public record LoadOptions(Set<Split> splits, boolean allowPseudoAnomalies, boolean requireMasks, boolean verifyImages) {

    public LoadOptions {
        if (splits == null || splits.isEmpty()) {
            throw new IllegalArgumentException("select at least one split");
        }
        splits = Set.copyOf(EnumSet.copyOf(splits));
    }

    /** Every labelled image (train and test), anomalies required, masks optional, headers verified. */
    public static LoadOptions defaults() {
        return new LoadOptions(EnumSet.allOf(Split.class), false, false, true);
    }

    /** The reference's choice ({@code Dataset(mode='test')} in train.py): the test split only. */
    public static LoadOptions referenceTraining() {
        return defaults().withSplits(Split.TEST);
    }

    public LoadOptions withSplits(Split first, Split... more) {
        return new LoadOptions(EnumSet.of(first, more), allowPseudoAnomalies, requireMasks, verifyImages);
    }

    public LoadOptions withPseudoAnomalies(boolean allow) {
        return new LoadOptions(splits, allow, requireMasks, verifyImages);
    }

    public LoadOptions withRequireMasks(boolean require) {
        return new LoadOptions(splits, allowPseudoAnomalies, require, verifyImages);
    }

    public LoadOptions withVerifyImages(boolean verify) {
        return new LoadOptions(splits, allowPseudoAnomalies, requireMasks, verify);
    }
}
