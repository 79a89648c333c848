package dev.anomalyedge.api;

import dev.anomalyedge.image.LargePng;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Legal but huge images (a 340 KB PNG of 6400x6250 16-bit RGBA) sent at once under a low decode budget: every answer is
 * 200, 413 or 503, never a server error, and the service keeps serving.
 */
@QuarkusTest
@TestProfile(DecodeLimitsTest.LowDecodeBudget.class)
class DecodeLimitsTest {
    public static class LowDecodeBudget implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("appliance.limits.max-decoded-bytes", "33554432", // 32 MiB
                    "appliance.decode.max-concurrent", "1",
                    "appliance.decode.max-wait", "200ms",
                    "appliance.batching.deadline", "60s"); // the answer under test is the decode's, not a slow CI's 504
        }
    }

    /** Subsampled 7x6 for the 224 px demo model while decoding: 914x1042, 11.4 MB decoded. */
    private static final byte[] HUGE = LargePng.reportedUpload();
    /** Under 2·4·224 px on both sides, so decoded in full: 1700x1700 x 12 bytes = 34.7 MB, over the 32 MiB budget. */
    private static final byte[] OVER_BUDGET = LargePng.rgba16(1700, 1700);

    @TestHTTPResource("/api/v1/inspections")
    URI inspections;

    @BeforeEach
    void ready() {
        ServiceReady.await();
    }

    @Test
    void hugeImagesAtOnceAnswer200Or413Or503NeverAServerError() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        List<byte[]> bodies = List.of(HUGE, OVER_BUDGET, HUGE, OVER_BUDGET, HUGE);
        List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
        for (byte[] body : bodies) {
            HttpRequest request = HttpRequest.newBuilder(inspections).header("Content-Type", "image/png")
                    .timeout(Duration.ofSeconds(120)).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
            answers.add(http.sendAsync(request, HttpResponse.BodyHandlers.ofString()));
        }
        int ok = 0;
        for (int i = 0; i < bodies.size(); i++) {
            HttpResponse<String> r = answers.get(i).get(180, TimeUnit.SECONDS);
            int status = r.statusCode();
            String what = "request " + i + " answered " + status + ": " + r.body();
            if (bodies.get(i) == HUGE) {
                assertTrue(status == 200 || status == 503, what);
            } else {
                assertTrue(status == 413 || status == 503, what);
            }
            if (status == 200) ok++;
            if (status == 413) assertTrue(r.body().contains("exceeds the limit of 33554432 bytes"), what);
            if (status == 503) {
                assertTrue(r.headers().firstValue("Retry-After").isPresent(), what);
                assertTrue(r.body().contains("decode slots are busy") || r.body().contains("not enough memory"), what);
            }
            if (status != 200) assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/problem+json"), what);
        }
        assertTrue(ok >= 1, "the first huge image to get the decode slot is answered");

        // one at a time: the over-budget image is refused from its header, the huge one is served
        given().contentType("image/png").body(OVER_BUDGET).post("/api/v1/inspections").then().statusCode(413)
                .contentType("application/problem+json")
                .body("detail", containsString("needs 34680000 bytes decoded, which exceeds the limit of 33554432 bytes"));
        given().contentType("image/png").body(HUGE).post("/api/v1/inspections").then().statusCode(200)
                .body("score", notNullValue());
    }
}
