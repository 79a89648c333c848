package dev.anomalyedge.torch;

import dev.anomalyedge.torch.TorchRuntime;

import org.junit.jupiter.api.Test;

import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * libtorch's thread count and device are process-wide: two pieces of work (the background demo training and a REST
 * training job) must not overwrite each other's. A lease serialises them.
 */
class TorchRuntimeLeaseTest {

    /** Polls (bounded) until another thread waits for the lease. */
    private static void awaitWaiter() {
        long until = System.nanoTime() + 10_000_000_000L;
        while (!TorchRuntime.someoneWaiting()) {
            if (System.nanoTime() > until) throw new AssertionError("no thread started waiting for the lease");
            Thread.onSpinWait();
        }
    }

    @Test
    void aSecondTrainingWaitsAndCannotChangeTheFirstOnesSettings() throws Exception {
        CompletableFuture<Integer> secondSaw;
        try (TorchRuntime.Lease first = TorchRuntime.acquire(1, "cpu", () -> false)) {
            assertEquals("cpu (requested)", first.device());
            secondSaw = CompletableFuture.supplyAsync(() -> {
                try (TorchRuntime.Lease second = TorchRuntime.acquire(2, "auto", () -> false)) {
                    return TorchRuntime.threads();
                }
            });
            awaitWaiter();
            assertFalse(secondSaw.isDone(), "the second holder waits while the first works");
            assertEquals(1, TorchRuntime.threads(), "the waiting work did not change the running work's threads");
            assertEquals("cpu", TorchRuntime.deviceName());
        }
        assertEquals(2, secondSaw.get(10, TimeUnit.SECONDS), "the second gets libtorch with its own settings once free");
        assertFalse(TorchRuntime.leased());
        TorchRuntime.setThreads(1);
    }

    @Test
    void waitingEndsWhenTheWaitingWorkIsCancelled() throws Exception {
        AtomicBoolean cancelled = new AtomicBoolean();
        try (TorchRuntime.Lease first = TorchRuntime.acquire(1, "cpu", () -> false)) {
            CompletableFuture<Void> waiting = CompletableFuture.runAsync(() -> {
                try (TorchRuntime.Lease l = TorchRuntime.acquire(2, "cpu", cancelled::get)) {
                    throw new AssertionError("should not get the lease");
                }
            });
            awaitWaiter();
            cancelled.set(true);
            var e = assertThrows(java.util.concurrent.ExecutionException.class, () -> waiting.get(10, TimeUnit.SECONDS));
            assertTrue(e.getCause() instanceof CancellationException, e.getCause().toString());
            assertTrue(TorchRuntime.leased(), "the first holder still holds it");
        }
        assertFalse(TorchRuntime.leased());
    }

    @Test
    void aNestedLeaseKeepsTheOuterSettings() {
        try (TorchRuntime.Lease outer = TorchRuntime.acquire(1, "cpu", () -> false)) {
            try (TorchRuntime.Lease inner = TorchRuntime.acquire(2, "cpu", () -> false)) {
                assertEquals(1, TorchRuntime.threads());
                assertTrue(inner.device().contains("enclosing"), inner.device());
            }
            assertTrue(TorchRuntime.leased(), "closing the inner lease keeps the outer one");
        }
        assertFalse(TorchRuntime.leased());
    }
}
