package dev.anomalyedge.service;

import dev.anomalyedge.inspection.ErrorCode;
import dev.anomalyedge.inspection.InspectionResult;
import io.smallrye.mutiny.helpers.test.AssertSubscriber;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The live view: recent results first, then new ones; a watcher that stops reading is cut off, never blocks publishing. */
class LiveResultsTest {
    static InspectionResult result(int i) {
        return InspectionResult.failed("P-" + i, "test", ErrorCode.BAD_REQUEST, "why", null, 1);
    }

    static List<String> partIds(AssertSubscriber<InspectionResult> s) {
        return s.getItems().stream().map(InspectionResult::partId).toList();
    }

    @Test
    void aWatcherGetsTheRecentResultsThenTheNewOnes() {
        LiveResults live = new LiveResults();
        IntStream.range(0, LiveResults.RECENT + 5).forEach(i -> live.publish(result(i)));
        AssertSubscriber<InspectionResult> watcher = live.watch().subscribe().withSubscriber(AssertSubscriber.create(Long.MAX_VALUE));
        assertEquals(IntStream.range(5, LiveResults.RECENT + 5).mapToObj(i -> "P-" + i).toList(), partIds(watcher));
        live.publish(result(99));
        assertEquals("P-99", partIds(watcher).get(LiveResults.RECENT));
        assertEquals(1, live.watchers());
        watcher.cancel();
        assertEquals(0, live.watchers());
    }

    @Test
    void aWatcherThatStopsReadingIsCutOffAndPublishingGoesOn() {
        LiveResults live = new LiveResults();
        AssertSubscriber<InspectionResult> stalled = live.watch().subscribe().withSubscriber(AssertSubscriber.create(0));
        AssertSubscriber<InspectionResult> reading = live.watch().subscribe().withSubscriber(AssertSubscriber.create(Long.MAX_VALUE));
        int n = LiveResults.BUFFER + 50;
        IntStream.range(0, n).forEach(i -> live.publish(result(i)));   // returns although one watcher reads nothing
        stalled.assertFailedWith(io.smallrye.mutiny.subscription.BackPressureFailure.class);
        assertEquals(1, live.cutOff());
        assertEquals(n, reading.getItems().size());
        assertEquals(1, live.watchers());
    }
}
