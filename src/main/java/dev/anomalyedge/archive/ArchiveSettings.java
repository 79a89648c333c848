package dev.anomalyedge.archive;

import java.nio.file.Path;
import java.time.Duration;

/**
 * What the image archive keeps and within which bounds.
 *
 * @param dir            the archive folder: {@code <dir>/<yyyy-mm-dd>/<id>.*}
 * @param keep           which results are kept ({@link Keep})
 * @param okSampleRate   fraction of OK results kept when {@code keep} is OK or ALL, 0..1 (1 = every one)
 * @param maxBytes       bound of the archive's files in bytes; the oldest entries go first; 0 = no bound
 * @param maxAge         entries older than this are deleted; zero = no bound
 * @param minFreeBytes   free space to leave on the archive's disk; the oldest entries go first, and an entry that still
 *                       does not fit is not written (counted as failed); 0 = no bound
 * @param queueCapacity  results waiting for the writer; more are dropped (counted)
 * @param queueMaxBytes  input bytes waiting for the writer; more are dropped (counted), a single result always fits
 */
public record ArchiveSettings(Path dir, Keep keep, double okSampleRate, long maxBytes, Duration maxAge, long minFreeBytes,
                              int queueCapacity, long queueMaxBytes) {
    /** Results that may wait for the writer. */
    public static final int DEFAULT_QUEUE_CAPACITY = 32;
    /** Input bytes that may wait for the writer (a few images at the upload limit). */
    public static final long DEFAULT_QUEUE_MAX_BYTES = 128L << 20;

    public ArchiveSettings {
        if (dir == null) throw new IllegalArgumentException("the archive needs a folder (appliance.archive.dir)");
        if (keep == null) throw new IllegalArgumentException("appliance.archive.keep must be NG, OK or ALL");
        if (!(okSampleRate >= 0 && okSampleRate <= 1)) {
            throw new IllegalArgumentException("appliance.archive.ok-sample-rate must be between 0 and 1, got " + okSampleRate);
        }
        if (maxBytes < 0) throw new IllegalArgumentException("appliance.archive.max-bytes must be >= 0 (0 = no bound), got " + maxBytes);
        if (maxAge == null || maxAge.isNegative()) throw new IllegalArgumentException("appliance.archive.max-age must be >= 0 (0 = no bound)");
        if (minFreeBytes < 0) throw new IllegalArgumentException("appliance.archive.min-free-bytes must be >= 0 (0 = no bound), got " + minFreeBytes);
        if (queueCapacity < 1 || queueMaxBytes < 1) throw new IllegalArgumentException("the archive's queue bounds must be positive");
    }

    /** The settings with the default queue bounds. */
    public static ArchiveSettings of(Path dir, Keep keep, double okSampleRate, long maxBytes, Duration maxAge, long minFreeBytes) {
        return new ArchiveSettings(dir, keep, okSampleRate, maxBytes, maxAge, minFreeBytes, DEFAULT_QUEUE_CAPACITY, DEFAULT_QUEUE_MAX_BYTES);
    }
}
