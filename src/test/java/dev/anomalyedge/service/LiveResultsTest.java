package dev.anomalyedge.service;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.anomalyedge.inspection.ErrorCode;
import dev.anomalyedge.inspection.InspectionResult;
import io.smallrye.mutiny.helpers.test.AssertSubscriber;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The live view: recent results first, then new ones; a watcher that stops reading is cut off, never blocks publishing. */
class LiveResultsTest {
    static final ObjectMapper JSON = new ObjectMapper().setPropertyNamingStrategy(com.fasterxml.jackson.databind.PropertyNamingStrategies.SNAKE_CASE);

    static InspectionResult result(int i) {
        return InspectionResult.failed("P-" + i, "test", ErrorCode.BAD_REQUEST, "why", null, 1);
    }

    static List<String> partIds(AssertSubscriber<String> s) {
        return s.getItems().stream().map(e -> {
            try {
                return JSON.readTree(e).path("result").path("part_id").asText();
            } catch (java.io.IOException x) {
                throw new java.io.UncheckedIOException(x);
            }
        }).toList();
    }

    @Test
    void aWatcherGetsTheRecentResultsThenTheNewOnes() {
        LiveResults live = new LiveResults(JSON);
        IntStream.range(0, LiveResults.RECENT + 5).forEach(i -> live.publish(result(i)));
        AssertSubscriber<String> watcher = live.watch().subscribe().withSubscriber(AssertSubscriber.create(Long.MAX_VALUE));
        assertEquals(IntStream.range(5, LiveResults.RECENT + 5).mapToObj(i -> "P-" + i).toList(), partIds(watcher));
        live.publish(result(99));
        assertEquals("P-99", partIds(watcher).get(LiveResults.RECENT));
        assertEquals(1, live.watchers());
        watcher.cancel();
        assertEquals(0, live.watchers());
    }

    @Test
    void aWatcherThatStopsReadingIsCutOffAndPublishingGoesOn() {
        LiveResults live = new LiveResults(JSON);
        AssertSubscriber<String> stalled = live.watch().subscribe().withSubscriber(AssertSubscriber.create(0));
        AssertSubscriber<String> reading = live.watch().subscribe().withSubscriber(AssertSubscriber.create(Long.MAX_VALUE));
        int n = LiveResults.BUFFER + 50;
        IntStream.range(0, n).forEach(i -> live.publish(result(i)));   // returns although one watcher reads nothing
        assertEquals(n, reading.getItems().size());
        assertEquals(0, stalled.getItems().size());
        // what the stalled watcher holds is bounded: when it reads again it gets the buffered events, then is cut off
        stalled.request(Long.MAX_VALUE);
        assertEquals(IntStream.range(0, LiveResults.BUFFER).mapToObj(i -> "P-" + i).toList(), partIds(stalled));
        stalled.assertFailedWith(Throwable.class, "buffer used by the emitter is full");
        assertEquals(1, live.cutOff());
        assertEquals(1, live.watchers());
        live.publish(result(999));
        assertEquals(n + 1, reading.getItems().size());
    }
}
