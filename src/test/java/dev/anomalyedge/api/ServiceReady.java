package dev.anomalyedge.api;

import io.restassured.RestAssured;

import java.time.Duration;
import java.util.function.Predicate;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.fail;

/** Waits (bounded) for what the appliance does in the background: readiness after start-up, a state over REST. */
final class ServiceReady {
    private ServiceReady() {}

    /** Until the appliance reports ready: the model loads in the background after start-up. */
    static void await() {
        until(Duration.ofSeconds(120), () -> RestAssured.get("/q/health/ready").statusCode(), status -> status == 200,
                status -> "appliance not ready within 120 s: " + RestAssured.get("/q/health/ready").asString());
    }

    /**
     * Asks {@code probe} until its answer is {@code done} and returns that answer; fails with {@code failure} of the last
     * answer after {@code timeout}.
     */
    static <T> T until(Duration timeout, Supplier<T> probe, Predicate<T> done, java.util.function.Function<T, String> failure) {
        long deadline = System.nanoTime() + timeout.toNanos();
        T answer = probe.get();
        while (!done.test(answer)) {
            if (System.nanoTime() > deadline) fail(failure.apply(answer));
            try {
                Thread.sleep(50); // the pause between probes; what the caller waits for is the condition
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted while waiting");
            }
            answer = probe.get();
        }
        return answer;
    }

    /** A demo-style part image as PNG bytes. */
    static byte[] partPng(long seed, dev.anomalyedge.synthetic.SyntheticParts.Defect defect) {
        try {
            var out = new java.io.ByteArrayOutputStream();
            javax.imageio.ImageIO.write(dev.anomalyedge.synthetic.SyntheticParts.generate(200, seed, defect).image(), "png", out);
            return out.toByteArray();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
