package dev.anomalyedge.archive;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import java.util.List;

/** One page of the listing, newest first; {@code nextCursor} asks for the next (older) page, null on the last one. */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record ArchivePage(List<ArchiveEntry> entries, String nextCursor) {}
