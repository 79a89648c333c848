package dev.anomalyedge.archive;

/**
 * The archive's counters since start (entries and bytes: on disk now).
 *
 * @param written   entries written
 * @param dropped   results to keep that were not written because the writer's queue was full (or the archive closing)
 * @param failed    results to keep that could not be written (disk full below min-free-bytes, write errors)
 * @param cleaned   entries deleted by the bounds (max-bytes, max-age, min-free-bytes)
 * @param queued    results waiting for the writer
 * @param lastError the last write or cleanup failure, or null
 */
public record ArchiveStats(long entries, long bytes, long written, long dropped, long failed, long cleaned, int queued,
                           String lastError) {}
