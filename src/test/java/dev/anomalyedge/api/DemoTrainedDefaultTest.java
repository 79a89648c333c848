package dev.anomalyedge.api;

import dev.anomalyedge.synthetic.SyntheticParts;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A fresh appliance serves the untrained demo at once, trains the demo prompts on the built-in synthetic parts in the
 * background and switches to the trained, calibrated demo/trained-1: verdicts are then OK/NG, not UNCALIBRATED, and
 * they are right for the defects the demo tower sees.
 */
@QuarkusTest
@TestProfile(DemoTrainedDefaultTest.FreshRepository.class)
public class DemoTrainedDefaultTest {
    public static class FreshRepository implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            try {
                // the archive keeps every result, so that the operator page's Archive can be browsed with real entries
                return Map.of("appliance.models.dir", Files.createTempDirectory("fresh-models-").toString(),
                        "appliance.models.demo-trained", "true",
                        "appliance.archive.enabled", "true", "appliance.archive.keep", "ALL",
                        "appliance.archive.dir", Files.createTempDirectory("fresh-archive-").toString());
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    @Test
    void theBuiltInDefaultBecomesTheTrainedCalibratedDemo() {
        ServiceReady.await();
        ServiceReady.until(java.time.Duration.ofSeconds(300), () -> RestAssured.get("/api/v1/models").jsonPath().getString("active.version"),
                "trained-1"::equals, v -> "demo/trained-1 not active after 300 s: " + RestAssured.get("/api/v1/models").asString());
        given().get("/api/v1/models").then()
                // demo/untrained-1 and demo/trained-1 (other tests sharing this profile may add bundles of their own)
                .body("models.findAll { it.name == 'demo' && (it.version == 'untrained-1' || it.version == 'trained-1') }.size()", equalTo(2))
                .body("models.findAll { it.name.startsWith('.') || it.version.startsWith('.') }.size()", equalTo(0)) // work folders are not models
                .body("models.find { it.version == 'trained-1' }.calibrated", equalTo(true))
                .body("models.find { it.version == 'trained-1' }.demo", equalTo(true));
        // the trained demo sees the defects its tower can see, and its 5 % false-alarm threshold passes good parts
        for (SyntheticParts.Defect d : new SyntheticParts.Defect[] {SyntheticParts.Defect.CHIP, SyntheticParts.Defect.SPOT}) {
            given().contentType("image/png").body(ServiceReady.partPng(31, d)).post("/api/v1/inspections")
                    .then().statusCode(200)
                    .body("model.version", equalTo("trained-1"))
                    .body("verdict", equalTo("NG"))
                    .body("threshold", notNullValue())
                    .body("normalized_score", notNullValue());
        }
        int flagged = 0;
        for (long seed = 40; seed < 46; seed++) {
            String verdict = given().contentType("image/png").body(ServiceReady.partPng(seed, SyntheticParts.Defect.NONE))
                    .post("/api/v1/inspections").then().statusCode(200).extract().path("verdict");
            if ("NG".equals(verdict)) flagged++;
        }
        assertTrue(flagged <= 1, flagged + " of 6 good parts flagged NG");
    }
}
