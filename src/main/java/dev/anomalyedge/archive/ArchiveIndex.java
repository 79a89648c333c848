package dev.anomalyedge.archive;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;

/** The archive's entries in memory, by time and by id, with their total size: what listing and cleanup read. Thread-safe. */
final class ArchiveIndex {
    private final NavigableMap<ArchiveEntry.Key, ArchiveEntry> byTime = new TreeMap<>();
    private final Map<String, ArchiveEntry> byId = new HashMap<>();
    private long bytes;

    synchronized void add(ArchiveEntry e) {
        ArchiveEntry old = byId.put(e.id(), e);
        if (old != null) {
            byTime.remove(old.key());
            bytes -= old.bytes();
        }
        byTime.put(e.key(), e);
        bytes += e.bytes();
    }

    synchronized void remove(ArchiveEntry e) {
        if (byId.remove(e.id()) != null) {
            byTime.remove(e.key());
            bytes -= e.bytes();
        }
    }

    synchronized Optional<ArchiveEntry> get(String id) { return Optional.ofNullable(byId.get(id)); }

    synchronized Optional<ArchiveEntry> oldest() {
        return byTime.isEmpty() ? Optional.empty() : Optional.of(byTime.firstEntry().getValue());
    }

    synchronized long bytes() { return bytes; }

    synchronized int size() { return byId.size(); }

    /** A page of entries matching {@code q}, newest first, starting after its cursor. */
    synchronized ArchivePage query(ArchiveQuery q) {
        NavigableMap<ArchiveEntry.Key, ArchiveEntry> older = q.cursor() == null ? byTime
                : byTime.headMap(ArchiveQuery.decode(q.cursor()), false);
        List<ArchiveEntry> page = new ArrayList<>();
        boolean more = false;
        for (ArchiveEntry e : older.descendingMap().values()) {
            if (q.from() != null && e.timestamp().isBefore(q.from())) break; // all the rest are older still
            if (!q.matches(e)) continue;
            if (page.size() == q.limit()) {
                more = true;
                break;
            }
            page.add(e);
        }
        return new ArchivePage(List.copyOf(page), more ? ArchiveQuery.encode(page.get(page.size() - 1).key()) : null);
    }
}
