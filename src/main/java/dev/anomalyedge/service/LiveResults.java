package dev.anomalyedge.service;

import dev.anomalyedge.inspection.InspectionResult;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.subscription.MultiEmitter;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Every result as it happens, for the operator page's live view: each watcher gets the last {@link #RECENT} results, then
 * every new one. Publishing never blocks and never fails an inspection: each watcher has a bounded buffer of
 * {@link #BUFFER} results, and a watcher that falls that far behind (a slow or stalled browser) is cut off; its
 * EventSource reconnects and starts again from the recent results.
 */
@ApplicationScoped
public class LiveResults {
    /** Results a new watcher gets at once. */
    static final int RECENT = 20;
    /** Results a watcher may lag behind before it is cut off. */
    static final int BUFFER = 256;

    private final List<MultiEmitter<? super InspectionResult>> watchers = new CopyOnWriteArrayList<>();
    private final ArrayDeque<InspectionResult> recent = new ArrayDeque<>(RECENT);
    private final AtomicLong cutOff = new AtomicLong();

    /** Hands a result to every watcher; returns at once. */
    public void publish(InspectionResult r) {
        synchronized (recent) {
            if (recent.size() == RECENT) recent.removeFirst();
            recent.addLast(r);
        }
        for (MultiEmitter<? super InspectionResult> w : watchers) {
            try {
                w.emit(r);
            } catch (RuntimeException e) {
                watchers.remove(w);   // a watcher's failure is its own, never the inspection's
            }
        }
    }

    /** The last results (oldest first), then every new one; cut off when it lags {@link #BUFFER} results behind. */
    public Multi<InspectionResult> watch() {
        return Multi.createFrom().<InspectionResult>emitter(e -> {
                    List<InspectionResult> start;
                    synchronized (recent) {
                        start = new ArrayList<>(recent);
                    }
                    start.forEach(e::emit);
                    watchers.add(e);
                    e.onTermination(() -> watchers.remove(e));
                }, BUFFER)
                .onFailure().invoke(cutOff::incrementAndGet);
    }

    /** Watchers connected now. */
    public int watchers() {
        return watchers.size();
    }

    /** Watchers cut off for lagging behind since the start. */
    public long cutOff() {
        return cutOff.get();
    }
}
