package dev.anomalyedge.api;

import dev.anomalyedge.synthetic.SyntheticParts;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The image archive through the running appliance: an inspected image and an undecodable upload are archived (keep=ALL)
 * and come back through GET /api/v1/archive and its file endpoints, which need the API key.
 */
@QuarkusTest
@TestProfile(ArchiveResourceTest.ArchiveOn.class)
class ArchiveResourceTest {
    static final String KEY = "test-key";

    public static class ArchiveOn implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("appliance.archive.enabled", "true", "appliance.archive.keep", "ALL",
                    "appliance.archive.dir", "target/test-archive-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
        }
    }

    @BeforeEach
    void ready() {
        ServiceReady.await();
    }

    @Test
    void anInspectedImageComesBackFromTheArchive() throws IOException {
        byte[] png = ServiceReady.partPng(71, SyntheticParts.Defect.SCRATCH);
        String id = given().header("X-Part-Id", "ARC-1").contentType("image/png").body(png).post("/api/v1/inspections")
                .then().statusCode(200).extract().path("id");
        String verdict = RestAssured.get("/api/v1/inspections/" + id).then().extract().path("verdict");

        List<String> ids = ServiceReady.until(Duration.ofSeconds(30),
                () -> given().header("X-API-Key", KEY).queryParam("part_id", "ARC-1").get("/api/v1/archive")
                        .then().statusCode(200).extract().<List<String>>path("entries.id"),
                l -> l.contains(id), l -> "not archived: " + l);
        assertEquals(List.of(id), ids);

        given().header("X-API-Key", KEY).get("/api/v1/archive/" + id).then().statusCode(200)
                .body("verdict", equalTo(verdict)).body("part_id", equalTo("ARC-1")).body("input_type", equalTo("png"))
                .body("overlay", equalTo(true));
        byte[] image = given().header("X-API-Key", KEY).get("/api/v1/archive/" + id + "/image").then().statusCode(200)
                .contentType("image/png").extract().asByteArray();
        assertArrayEquals(png, image, "the bytes as received");
        byte[] overlay = given().header("X-API-Key", KEY).get("/api/v1/archive/" + id + "/overlay.png").then().statusCode(200)
                .contentType("image/png").extract().asByteArray();
        assertTrue(ImageIO.read(new ByteArrayInputStream(overlay)).getWidth() > 0);
        given().header("Authorization", "Bearer " + KEY).get("/api/v1/archive/" + id + "/result.json").then().statusCode(200)
                .body("id", equalTo(id)).body("part_id", equalTo("ARC-1")).body("verdict", equalTo(verdict));
    }

    @Test
    void anErrorResultIsArchivedWithItsBytesAndNoOverlay() {
        byte[] garbage = "\u0089PNG not really a png".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        String id = given().header("X-Part-Id", "ARC-2").contentType("image/png").body(garbage).post("/api/v1/inspections")
                .then().statusCode(422).extract().path("id");
        ServiceReady.until(Duration.ofSeconds(30),
                () -> given().header("X-API-Key", KEY).queryParam("verdict", "ERROR").get("/api/v1/archive")
                        .then().statusCode(200).extract().<List<String>>path("entries.id"),
                l -> l.contains(id), l -> "not archived: " + l);
        given().header("X-API-Key", KEY).queryParam("verdict", "OK,NG").get("/api/v1/archive").then().statusCode(200)
                .body("entries.id", not(hasItem(id)));
        byte[] kept = given().header("X-API-Key", KEY).get("/api/v1/archive/" + id + "/image").then().statusCode(200)
                .extract().asByteArray();
        assertArrayEquals(garbage, kept);
        given().header("X-API-Key", KEY).get("/api/v1/archive/" + id + "/overlay.png").then().statusCode(404)
                .contentType("application/problem+json");
        given().header("X-API-Key", KEY).get("/api/v1/archive/" + id + "/result.json").then().statusCode(200)
                .body("error.code", equalTo("undecodable"));
    }

    @Test
    void theArchiveNeedsTheApiKeyAndRefusesBadQueries() {
        given().get("/api/v1/archive").then().statusCode(401).contentType("application/problem+json");
        given().header("X-API-Key", "wrong").get("/api/v1/archive").then().statusCode(403);
        given().get("/api/v1/archive/some-id/image").then().statusCode(401);
        given().header("X-API-Key", KEY).get("/api/v1/archive/no-such-id/image").then().statusCode(404);
        given().header("X-API-Key", KEY).queryParam("verdict", "MAYBE").get("/api/v1/archive").then().statusCode(400);
        given().header("X-API-Key", KEY).queryParam("from", "yesterday").get("/api/v1/archive").then().statusCode(400);
        given().header("X-API-Key", KEY).queryParam("limit", 0).get("/api/v1/archive").then().statusCode(400);
        given().header("X-API-Key", KEY).queryParam("cursor", "bogus").get("/api/v1/archive").then().statusCode(400);
        given().get("/q/health/ready").then().body("checks.find { it.name == 'archive' }.data.enabled", equalTo(true));
        given().get("/q/metrics").then().statusCode(200).body(org.hamcrest.Matchers.containsString("appliance_archive_written"));
    }
}
