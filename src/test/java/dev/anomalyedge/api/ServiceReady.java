package dev.anomalyedge.api;

import io.restassured.RestAssured;

import static org.junit.jupiter.api.Assertions.fail;

/** Waits (bounded) until the appliance reports ready: the model loads in the background after start-up. */
final class ServiceReady {
    private ServiceReady() {}

    static void await() {
        long until = System.nanoTime() + 120_000_000_000L;
        while (System.nanoTime() < until) {
            if (RestAssured.get("/q/health/ready").statusCode() == 200) return;
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        fail("appliance not ready within 120 s: " + RestAssured.get("/q/health/ready").asString());
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
