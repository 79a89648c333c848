package dev.anomalyedge.archive;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.List;
import java.util.Set;

/**
 * A page of the archive's listing, newest first: at most {@code limit} entries older than {@code cursor} (the
 * {@link ArchivePage#nextCursor()} of the page before; null for the first page) that match every filter given.
 *
 * @param verdicts verdicts to list (OK, NG, UNCALIBRATED, ERROR); empty = all
 * @param from     entries at or after this time; null = no lower bound
 * @param to       entries before this time; null = no upper bound
 * @param partId   entries of this part id only; null = all
 */
public record ArchiveQuery(Set<String> verdicts, Instant from, Instant to, String partId, int limit, String cursor) {
    public static final int DEFAULT_LIMIT = 50;
    public static final int MAX_LIMIT = 1000;

    public ArchiveQuery {
        verdicts = verdicts == null ? Set.of() : Set.copyOf(verdicts);
        if (limit < 1 || limit > MAX_LIMIT) throw new IllegalArgumentException("limit must be 1.." + MAX_LIMIT + ", got " + limit);
        if (cursor != null) decode(cursor); // a bad cursor is refused now
    }

    /** Everything, first page. */
    public static ArchiveQuery all(int limit) {
        return new ArchiveQuery(Set.of(), null, null, null, limit, null);
    }

    boolean matches(ArchiveEntry e) {
        return (verdicts.isEmpty() || verdicts.contains(e.verdict()))
                && (from == null || !e.timestamp().isBefore(from))
                && (to == null || e.timestamp().isBefore(to))
                && (partId == null || partId.equals(e.partId()));
    }

    /** The opaque cursor after {@code e}: its time and id, base64url. */
    static String encode(ArchiveEntry.Key k) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString((k.timestamp() + "|" + k.id()).getBytes(StandardCharsets.UTF_8));
    }

    static ArchiveEntry.Key decode(String cursor) {
        try {
            List<String> parts = List.of(new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8).split("\\|", 2));
            if (parts.size() != 2) throw new IllegalArgumentException("cursor is not one this appliance gave out");
            return new ArchiveEntry.Key(Instant.parse(parts.get(0)), parts.get(1));
        } catch (IllegalArgumentException | DateTimeParseException e) {
            throw new IllegalArgumentException("cursor is not one this appliance gave out: " + cursor);
        }
    }
}
