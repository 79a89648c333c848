package dev.anomalyedge.api;

import dev.anomalyedge.bundle.ModelRepository;
import dev.anomalyedge.bundle.RepositoryFixture;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A zero-length active.json (a power cut during an earlier, non-durable write) must not keep the appliance unready for
 * good: it serves the newest loadable bundle, says why in readiness data, and records that model as active.
 */
@QuarkusTest
@TestProfile(StartFallbackTest.EmptyPointer.class)
class StartFallbackTest {
    static Path repo;

    public static class EmptyPointer implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            synchronized (StartFallbackTest.class) {
                if (repo == null) {
                    try {
                        repo = Files.createTempDirectory("fallback-models-");
                        RepositoryFixture.exportDemo(repo.resolve("demo/untrained-1"));
                        Files.write(repo.resolve(ModelRepository.ACTIVE), new byte[0]);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
            }
            return Map.of("appliance.models.dir", repo.toString(), "appliance.models.demo-if-empty", "false",
                    "appliance.models.demo-trained", "false");
        }
    }

    @Test
    void anEmptyPointerFallsBackToTheNewestBundle() throws IOException {
        ServiceReady.await();
        given().get("/q/health/ready").then().statusCode(200)
                .body("checks.find { it.name == 'model' }.data.version", equalTo("untrained-1"))
                .body("checks.find { it.name == 'model' }.data.fallback",
                        allOf(containsString("active.json"), containsString("empty"), containsString("demo/untrained-1")));
        String pointer = Files.readString(repo.resolve(ModelRepository.ACTIVE));
        assertTrue(pointer.contains("\"untrained-1\""), "active.json names the served model again: " + pointer);
    }
}
