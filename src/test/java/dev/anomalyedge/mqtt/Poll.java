package dev.anomalyedge.mqtt;

import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Awaitility-style polling: wait for a condition instead of sleeping a fixed time. */
final class Poll {
    private Poll() { }

    static void until(String what, Duration timeout, BooleanSupplier condition) {
        until(timeout, condition, () -> what);
    }

    static void until(Duration timeout, BooleanSupplier condition, Supplier<String> describe) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out after " + timeout.toMillis() + " ms waiting for: " + describe.get());
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted waiting for: " + describe.get());
            }
        }
    }
}
