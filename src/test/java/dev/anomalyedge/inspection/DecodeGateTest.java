package dev.anomalyedge.inspection;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The decode boundary: bounded concurrency with a bounded wait, and memory exhaustion answered as "retry later". */
class DecodeGateTest {

    @Test
    void aBusyGateRefusesAfterItsWaitInsteadOfQueueingForever() throws Exception {
        DecodeGate gate = new DecodeGate(1, Duration.ofMillis(150));
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch hold = new CountDownLatch(1);
        CompletableFuture<String> first = CompletableFuture.supplyAsync(() -> gate.run("first.png", () -> {
            inside.countDown();
            await(hold);
            return "first";
        }));
        assertTrue(inside.await(10, TimeUnit.SECONDS), "the first decode runs in the only slot");
        assertEquals(1, gate.busy());

        long start = System.nanoTime();
        InspectionException e = assertThrows(InspectionException.class, () -> gate.run("second.png", () -> "second"));
        long waitedMs = (System.nanoTime() - start) / 1_000_000;
        assertEquals(InspectionException.Kind.UNAVAILABLE, e.kind());
        assertTrue(e.getMessage().contains("decode slots are busy") && e.getMessage().contains("appliance.decode.max-concurrent"), e.getMessage());
        assertTrue(waitedMs >= 140 && waitedMs < 5000, "waited " + waitedMs + " ms");

        hold.countDown();
        assertEquals("first", first.get(5, TimeUnit.SECONDS));
        assertEquals("third", gate.run("third.png", () -> "third"));
        assertEquals(0, gate.busy());
    }

    @Test
    void outOfMemoryInsideIsAnsweredAsUnavailableAndFreesTheSlot() {
        DecodeGate gate = new DecodeGate(1, Duration.ZERO);
        InspectionException e = assertThrows(InspectionException.class, () -> gate.run("huge.png", () -> {
            throw new OutOfMemoryError("Java heap space");
        }));
        assertEquals(InspectionException.Kind.UNAVAILABLE, e.kind());
        assertTrue(e.getMessage().startsWith("huge.png: not enough memory"), e.getMessage());
        assertEquals(0, gate.busy());
        assertEquals("next", gate.run("next.png", () -> "next"));
    }

    @Test
    void autoSlotsFollowCoresAndHeap() {
        long mib = 1L << 20;
        assertEquals(2, DecodeGate.autoSlots(2, 1024 * mib, 256 * mib));
        assertEquals(2, DecodeGate.autoSlots(16, 1024 * mib, 256 * mib), "half of 1 GiB holds two 256 MiB decodes");
        assertEquals(1, DecodeGate.autoSlots(16, 512 * mib, 256 * mib));
        assertEquals(1, DecodeGate.autoSlots(4, 100 * mib, 1024 * mib), "at least one");
        assertEquals(4, DecodeGate.autoSlots(4, 16384 * mib, 256 * mib), "no more than cores");
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
