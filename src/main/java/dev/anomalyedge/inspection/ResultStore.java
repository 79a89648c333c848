package dev.anomalyedge.inspection;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** The most recent results, with their maps, bounded by count (oldest evicted first). */
public final class ResultStore {
    private final Map<String, InspectionResult> results;

    public ResultStore(int capacity) {
        if (capacity < 1) throw new IllegalArgumentException("result capacity must be >= 1");
        this.results = new LinkedHashMap<>(capacity * 2) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, InspectionResult> eldest) {
                return size() > capacity;
            }
        };
    }

    public synchronized void put(InspectionResult r) {
        results.put(r.id(), r);
    }

    public synchronized Optional<InspectionResult> get(String id) {
        return Optional.ofNullable(results.get(id));
    }

    public synchronized int size() { return results.size(); }
}
