package dev.anomalyedge.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.anomalyedge.bundle.ModelBundle;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * REST training jobs cache their features where appliance.training.cache-dir says (the test profile sets it under
 * target/), bounded by appliance.training.cache-max-bytes: a read-only home folder no longer fails every job.
 */
@QuarkusTest
class TrainingCacheSettingTest {

    @Test
    void jobsCacheFeaturesInTheConfiguredFolder() throws Exception {
        ServiceReady.await();
        Path data = TrainingResourceTest.dataset(9);
        String id = given().header("X-API-Key", "test-key").contentType(ContentType.JSON)
                .body(Map.of("data", data.toString(), "clip", TrainingResourceTest.CLIP, "epochs", 1, "batch_size", 4,
                        "version", "cache-" + System.nanoTime(), "device", "cpu"))
                .post("/api/v1/training-jobs").then().statusCode(202).extract().jsonPath().getString("id");
        assertEquals("SUCCEEDED", TrainingResourceTest.awaitFinished(id), given().header("X-API-Key", "test-key").get("/api/v1/training-jobs/" + id).asString());

        String bundleDir = given().header("X-API-Key", "test-key").get("/api/v1/training-jobs/" + id).then().extract().jsonPath().getString("bundle_dir");
        JsonNode cache = new ObjectMapper().readTree(Path.of(bundleDir, ModelBundle.MANIFEST).toFile()).at("/training/feature_cache");
        Path configured = Path.of("target/test-training-cache").toAbsolutePath().normalize();
        assertEquals(configured.resolve("features").toString(), cache.get("dir").asText(), cache.toString());
        assertEquals(1L << 30, cache.get("max_bytes").asLong(), "appliance.training.cache-max-bytes");
        assertTrue(Files.isDirectory(configured.resolve("graphs")), "the feature graph is cached there too");
    }
}
