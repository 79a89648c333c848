package dev.anomalyedge.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.anomalyedge.inspection.InspectionResult;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.subscription.MultiEmitter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Every result as it happens, for the operator page's live view, as the event text
 * {@code {"type":"result","result":{…the result document…}}} (about a kilobyte: the anomaly map and image stay out).
 * Each watcher gets the last {@link #RECENT} results, then every new one. Publishing never blocks and never fails an
 * inspection: each watcher has a buffer of {@link #BUFFER} events; a watcher that falls that far behind (a slow or
 * stalled browser) gets no more and is cut off after the buffered ones; its EventSource reconnects and starts again from
 * the recent results.
 */
@ApplicationScoped
public class LiveResults {
    private static final Logger LOG = Logger.getLogger(LiveResults.class);
    /** Results a new watcher gets at once. */
    static final int RECENT = 20;
    /** Events a watcher may lag behind before it is cut off. */
    static final int BUFFER = 256;

    private final ObjectMapper json;
    private final List<MultiEmitter<? super String>> watchers = new CopyOnWriteArrayList<>();
    private final ArrayDeque<String> recent = new ArrayDeque<>(RECENT);
    private final AtomicLong cutOff = new AtomicLong();

    @Inject
    public LiveResults(ObjectMapper json) {
        this.json = json;
    }

    /** Hands a result to every watcher; returns at once and never throws. */
    public void publish(InspectionResult r) {
        String event;
        try {
            event = "{\"type\":\"result\",\"result\":" + json.writeValueAsString(r) + "}";
        } catch (JsonProcessingException | RuntimeException e) {
            LOG.warnf(e, "result %s not shown live", r.id());
            return;
        }
        synchronized (recent) {
            if (recent.size() == RECENT) recent.removeFirst();
            recent.addLast(event);
        }
        for (MultiEmitter<? super String> w : watchers) {
            try {
                w.emit(event);  // buffered; past BUFFER the emitter fails this watcher instead of waiting
            } catch (RuntimeException e) {
                watchers.remove(w);   // a watcher's failure is its own, never the inspection's
            }
        }
    }

    /** The last results' events (oldest first), then every new one; cut off when it lags {@link #BUFFER} events behind. */
    public Multi<String> watch() {
        return Multi.createFrom().<String>emitter(e -> {
                    List<String> start;
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
