package dev.anomalyedge.mqtt;

import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Awaitility-style polling: waits for a condition, checked every {@link #INTERVAL_MS} ms, up to a deadline, and fails
 * with what it waited for. The pause is the interval between checks; nothing is ordered by waiting a fixed time.
 */
public final class Poll {
    static final long INTERVAL_MS = 10;

    private Poll() { }

    public static void until(String what, Duration timeout, BooleanSupplier condition) {
        until(timeout, condition, () -> what);
    }

    public static void until(Duration timeout, BooleanSupplier condition, Supplier<String> describe) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out after " + timeout.toMillis() + " ms waiting for: " + describe.get());
            }
            try {
                Thread.sleep(INTERVAL_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted waiting for: " + describe.get());
            }
        }
    }
}
