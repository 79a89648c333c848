package dev.anomalyedge.api;

import dev.anomalyedge.synthetic.SyntheticParts;
import dev.anomalyedge.tensor.Npy;
import dev.anomalyedge.tensor.Tensor;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The inspection endpoints against the real engine and the demo bundle. */
@QuarkusTest
class InspectionResourceTest {
    static final byte[] PNG_MAGIC = {(byte) 0x89, 'P', 'N', 'G'};

    @BeforeEach
    void ready() {
        ServiceReady.await();
    }

    @Test
    void pngBodyGivesAScoredResultThatCanBeFetchedAgain() throws Exception {
        byte[] png = ServiceReady.partPng(1, SyntheticParts.Defect.CHIP);
        Response r = given().contentType("image/png").header("X-Part-Id", "PART-0001").body(png)
                .post("/api/v1/inspections");
        r.then().statusCode(200)
                .body("part_id", equalTo("PART-0001"))
                .body("verdict", equalTo("UNCALIBRATED"))
                .body("result_code", equalTo(2)).body("pass", equalTo(false)).body("error", nullValue())
                .body("map.size", equalTo(224))
                .body("model.name", equalTo("demo"))
                .body("model.demo", equalTo(true))
                .body("timings.total_ms", greaterThan(0f));
        double score = r.jsonPath().getDouble("score");
        assertTrue(score > 0 && score < 1, "score " + score);
        String id = r.jsonPath().getString("id");

        given().get("/api/v1/inspections/" + id).then().statusCode(200).body("id", equalTo(id)).body("part_id", equalTo("PART-0001"));
        byte[] heat = given().get("/api/v1/inspections/" + id + "/heatmap.png").then().statusCode(200)
                .contentType("image/png").extract().asByteArray();
        assertArrayEquals(PNG_MAGIC, Arrays.copyOf(heat, 4));
        byte[] npy = given().get("/api/v1/inspections/" + id + "/anomaly-map.npy").then().statusCode(200).extract().asByteArray();
        Path f = Files.createTempFile("map", ".npy");
        Files.write(f, npy);
        Tensor map = Npy.read(f);
        assertTrue(map.hasShape(224, 224), map.shapeString());
        float max = Float.NEGATIVE_INFINITY;
        for (float v : map.floats()) max = Math.max(max, v);
        assertEquals(r.jsonPath().getDouble("map.max"), max, 1e-6, "map endpoint matches the reported max");
    }

    @Test
    void multipartWithPartIdFieldAndTheSameImageScoresTheSame() {
        byte[] png = ServiceReady.partPng(2, SyntheticParts.Defect.NONE);
        double a = given().contentType("image/png").body(png).post("/api/v1/inspections").then().statusCode(200)
                .extract().jsonPath().getDouble("score");
        double b = given().multiPart("file", "good.png", png, "image/png").multiPart("part_id", "P-7")
                .post("/api/v1/inspections").then().statusCode(200)
                .body("part_id", equalTo("P-7")).body("source", equalTo("good.png"))
                .extract().jsonPath().getDouble("score");
        assertEquals(a, b, 1e-5);
    }

    @Test
    void batchAnswersEveryImageInOrderIncludingTheBadOne() {
        given().urlEncodingEnabled(false).multiPart("file", "a.png", ServiceReady.partPng(3, SyntheticParts.Defect.SPOT), "image/png")
                .multiPart("file", "broken.png", new byte[] {(byte) 0x89, 'P', 'N', 'G', 0, 0}, "image/png")
                .multiPart("file", "c.png", ServiceReady.partPng(4, SyntheticParts.Defect.NONE), "image/png")
                .post("/api/v1/inspections:batch").then().statusCode(200)
                .body("count", equalTo(3)).body("failed", equalTo(1))
                .body("results[0].source", equalTo("a.png")).body("results[0].score", notNullValue())
                .body("results[1].error", equalTo("unprocessable")).body("results[1].detail", containsString("broken.png"))
                .body("results[2].source", equalTo("c.png"));
    }

    @Test
    void badInputGetsAProblemAndTheServiceKeepsServing() {
        given().contentType("image/png").post("/api/v1/inspections").then().statusCode(400)
                .contentType("application/problem+json").body("detail", containsString("empty"));
        given().contentType("text/plain").body("hello").post("/api/v1/inspections").then().statusCode(415)
                .contentType("application/problem+json");
        String id = given().contentType("image/png").header("X-Part-Id", "P-422").body("not an image at all".getBytes())
                .post("/api/v1/inspections").then().statusCode(422)
                .body("detail", containsString("unsupported image format"))
                // the same ERROR result document MQTT publishes for this trigger, beside the problem's fields
                .body("verdict", equalTo("ERROR")).body("result_code", equalTo(12)).body("pass", equalTo(false))
                .body("error.code", equalTo("undecodable")).body("part_id", equalTo("P-422")).body("score", nullValue())
                .extract().path("id");
        given().get("/api/v1/inspections/" + id).then().statusCode(200).body("verdict", equalTo("ERROR"));
        byte[] png = ServiceReady.partPng(5, SyntheticParts.Defect.NONE);
        given().contentType("image/png").body(Arrays.copyOf(png, png.length / 3)).post("/api/v1/inspections").then().statusCode(422)
                .body("title", equalTo("Unreadable image"));
        given().multiPart("other", "x.png", png, "image/png").post("/api/v1/inspections").then().statusCode(400)
                .body("detail", containsString("'file'"));
        given().get("/api/v1/inspections/no-such-id").then().statusCode(404).contentType("application/problem+json");
        // still serving
        given().contentType("image/png").body(png).post("/api/v1/inspections").then().statusCode(200);
    }

    @Test
    void healthMetricsAndOpenApi() {
        given().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
        given().get("/q/health/ready").then().statusCode(200)
                .body("checks.find { it.name == 'model' }.data.name", equalTo("demo"))
                // batch-size auto: the warm-up measured the demo model and chose a size within max-batch-size (4)
                .body("checks.find { it.name == 'model' }.data.batch_size", org.hamcrest.Matchers.oneOf(1, 2, 4))
                .body("checks.find { it.name == 'model' }.data.batch_sizing", org.hamcrest.Matchers.startsWith("auto: batch 1 "))
                .body("checks.find { it.name == 'model' }.data.deadline_ms", org.hamcrest.Matchers.greaterThanOrEqualTo(10_000))
                .body("checks.find { it.name == 'mqtt' }.data.enabled", equalTo(false));
        given().contentType("image/png").body(ServiceReady.partPng(6, SyntheticParts.Defect.NONE)).post("/api/v1/inspections")
                .then().statusCode(200);
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        for (String series : new String[] {"appliance_inference_seconds_bucket", "appliance_queue_seconds_bucket",
                "appliance_batch_size", "appliance_inspections_total{verdict=\"UNCALIBRATED\"", "appliance_model_active{",
                "appliance_mqtt_backlog", "appliance_requests_expired_total"}) {
            assertTrue(metrics.contains(series), "metrics lack " + series);
        }
        String api = given().get("/q/openapi").then().statusCode(200).extract().asString();
        assertTrue(api.contains("/api/v1/inspections:batch") && api.contains("/api/v1/models/{name}/{version}/activate"), api);
    }
}
