package dev.anomalyedge.api;

import dev.anomalyedge.synthetic.SyntheticParts;
import dev.anomalyedge.training.data.SyntheticDataset;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.anyOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Training jobs over REST: start on a data folder, follow, activate the new bundle; cancel; the API key. */
@QuarkusTest
class TrainingResourceTest {
    static final String CLIP = Path.of("target/test-models/.demo-sources/demo_clip.safetensors").toAbsolutePath().toString();

    @BeforeEach
    void ready() {
        ServiceReady.await();
    }

    static Path dataset(long seed) throws Exception {
        Path root = Files.createTempDirectory("train-data-");
        SyntheticDataset.generate(root, seed, 4, 2, 6, 96);
        return root;
    }

    @Test
    void aJobTrainsAFreshBundleThatCanBeActivated() throws Exception {
        Path data = dataset(5);
        Path validation = dataset(6);
        String version = "rest-" + System.nanoTime();
        String id = given().header("X-API-Key", "test-key").contentType(ContentType.JSON)
                .body(Map.of("data", data.toString(), "clip", CLIP, "epochs", 1, "batch_size", 4, "version", version,
                        "validation_data", validation.toString(), "target_false_alarm_rate", 0.1, "device", "cpu"))
                .post("/api/v1/training-jobs").then().statusCode(202).body("id", notNullValue())
                .extract().jsonPath().getString("id");
        String state = awaitFinished(id);
        assertEquals("SUCCEEDED", state, given().header("X-API-Key", "test-key").get("/api/v1/training-jobs/" + id).asString());
        given().header("X-API-Key", "test-key").get("/api/v1/training-jobs/" + id).then()
                .body("epoch_losses.size()", equalTo(1)).body("progress.phase", equalTo("DONE"))
                .body("metrics", notNullValue())
                .body("calibration.method", equalTo("good_quantile"))       // calibrated on validation_data
                .body("calibration.target_false_alarm_rate", equalTo(0.1f));
        try {
            given().header("X-API-Key", "test-key").post("/api/v1/training-jobs/" + id + "/activate").then().statusCode(200)
                    .body("version", equalTo(version));
            given().contentType("image/png").body(ServiceReady.partPng(21, SyntheticParts.Defect.SPOT))
                    .post("/api/v1/inspections").then().statusCode(200).body("model.version", equalTo(version))
                    .body("verdict", anyOf(equalTo("OK"), equalTo("NG")));
        } finally {
            given().header("X-API-Key", "test-key").post("/api/v1/models/demo/untrained-1/activate").then().statusCode(200);
        }
    }

    @Test
    void changesNeedTheKeyAndBadRequestsAreExplained() throws Exception {
        given().contentType(ContentType.JSON).body(Map.of("data", "/tmp")).post("/api/v1/training-jobs").then().statusCode(401);
        given().header("X-API-Key", "test-key").contentType(ContentType.JSON).body(Map.of("data", "/no/such/folder"))
                .post("/api/v1/training-jobs").then().statusCode(400).contentType("application/problem+json");
        given().header("X-API-Key", "test-key").get("/api/v1/training-jobs/unknown").then().statusCode(404);
        Path data = dataset(7);
        given().header("X-API-Key", "test-key").contentType(ContentType.JSON)
                .body(Map.of("data", data.toString(), "clip", CLIP, "target_false_alarm_rate", 0.01))
                .post("/api/v1/training-jobs").then().statusCode(400).body("detail", containsString("validation_data"));
        given().header("X-API-Key", "test-key").contentType(ContentType.JSON)
                .body(Map.of("data", data.toString(), "clip", CLIP, "validation_data", "/no/such/val"))
                .post("/api/v1/training-jobs").then().statusCode(400).body("detail", containsString("/no/such/val"));
        given().header("X-API-Key", "test-key").contentType(ContentType.JSON)
                .body(Map.of("data", data.toString(), "clip", CLIP, "device", "tpu"))
                .post("/api/v1/training-jobs").then().statusCode(400).body("detail", containsString("auto, cpu or cuda"));
    }

    @Test
    void jobDetailsNeedTheKey() {
        // job details name data, output and log paths on the appliance and quote errors
        given().get("/api/v1/training-jobs").then().statusCode(401).contentType("application/problem+json")
                .header("WWW-Authenticate", "Bearer");
        given().header("X-API-Key", "wrong").get("/api/v1/training-jobs").then().statusCode(403).contentType("application/problem+json");
        given().get("/api/v1/training-jobs/unknown").then().statusCode(401);
        given().header("Authorization", "Bearer wrong").get("/api/v1/training-jobs/unknown").then().statusCode(403);
        given().header("X-API-Key", "test-key").get("/api/v1/training-jobs").then().statusCode(200);
        given().header("Authorization", "Bearer test-key").get("/api/v1/training-jobs/unknown").then().statusCode(404);
    }

    @Test
    void aJobCanBeCancelled() throws Exception {
        Path data = dataset(6);
        String id = given().header("X-API-Key", "test-key").contentType(ContentType.JSON)
                .body(Map.of("data", data.toString(), "clip", CLIP, "epochs", 50, "batch_size", 2, "version", "cancel-" + System.nanoTime()))
                .post("/api/v1/training-jobs").then().statusCode(202).extract().jsonPath().getString("id");
        given().header("X-API-Key", "test-key").delete("/api/v1/training-jobs/" + id).then().statusCode(200);
        assertEquals("CANCELLED", awaitFinished(id));
        given().header("X-API-Key", "test-key").post("/api/v1/training-jobs/" + id + "/activate").then().statusCode(409);
    }

    /** The job's final state (SUCCEEDED, FAILED or CANCELLED), polled within 180 s. */
    static String awaitFinished(String id) {
        return ServiceReady.until(java.time.Duration.ofSeconds(180),
                () -> given().header("X-API-Key", "test-key").get("/api/v1/training-jobs/" + id).then().statusCode(200)
                        .extract().jsonPath().getString("state"),
                state -> state.equals("SUCCEEDED") || state.equals("FAILED") || state.equals("CANCELLED"),
                state -> "training job " + id + " did not finish in 180 s (" + state + ")");
    }
}
