package dev.anomalyedge.archive;

/** The files of an archive entry. */
public enum ArchiveFile {
    /** The input image as received (PNG, JPEG, BMP, or other bytes). */
    IMAGE,
    /** The heatmap overlay PNG on the model's S×S input; none for ERROR results. */
    OVERLAY,
    /** The result document, as answered and published. */
    RESULT
}
