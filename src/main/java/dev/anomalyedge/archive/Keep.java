package dev.anomalyedge.archive;

/**
 * Which results the archive keeps ({@code appliance.archive.keep}): {@link #NG} every result that is not a pass (NG,
 * UNCALIBRATED and ERROR), {@link #OK} only passing (OK) results, {@link #ALL} both. OK results are kept at the
 * OK sample rate ({@link ArchiveSettings#okSampleRate()}); results that are not a pass are never sampled.
 */
public enum Keep {
    NG, OK, ALL;

    /** Whether passing (OK) results are kept, at the sample rate. */
    boolean keepsPassing() { return this != NG; }

    /** Whether results that are not a pass (NG, UNCALIBRATED, ERROR) are kept, all of them. */
    boolean keepsNotPassing() { return this != OK; }
}
