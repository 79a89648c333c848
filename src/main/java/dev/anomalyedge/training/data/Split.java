package dev.anomalyedge.training.data;

/**
 * The split a sample comes from. AnomalyCLIP trains on the TEST split of its auxiliary data set (good and anomalous
 * images with masks); the TRAIN split of the public sets holds good images only. FOLDER data has no split: its
 * samples are all TEST, the role labelled data plays in the reference.
 */
public enum Split {
    TRAIN, TEST;

    /** Lower-case name as written in the data sets ("train", "test"). */
    public String folderName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
