package dev.anomalyedge.archive;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import java.time.Instant;

/**
 * One archived result: what the listing shows of it, and where its files are ({@code <date>/<id>.<input type>},
 * {@code <id>.overlay.png}, {@code <id>.json}).
 *
 * @param inputType  extension of the archived input image ({@code png}, {@code jpg}, {@code bmp}, {@code bin} when the
 *                   bytes are none of these), or null when no bytes were received
 * @param overlay    whether a heatmap overlay was archived (never for ERROR results)
 * @param bytes      size of the entry's files
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record ArchiveEntry(String id, Instant timestamp, String verdict, int resultCode, String partId, String inputType,
                           boolean overlay, long bytes, @JsonIgnore String date) {

    /** Sorting key: time, then id. */
    Key key() { return new Key(timestamp, id); }

    /** Position in the archive's order (oldest first). */
    record Key(Instant timestamp, String id) implements Comparable<Key> {
        @Override
        public int compareTo(Key o) {
            int c = timestamp.compareTo(o.timestamp);
            return c != 0 ? c : id.compareTo(o.id);
        }
    }
}
