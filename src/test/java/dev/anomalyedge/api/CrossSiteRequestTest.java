package dev.anomalyedge.api;

import dev.anomalyedge.synthetic.SyntheticParts;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.nullValue;

/**
 * A plain HTML form on any page in the plant network can POST here without a CORS preflight: browser requests that
 * change something are refused unless they come from the appliance's own origin; PLCs, scripts and curl send no
 * Origin/Sec-Fetch-Site and keep working.
 */
@QuarkusTest
class CrossSiteRequestTest {
    static final String EVIL = "http://hmi-guest.plant:8000";

    @BeforeEach
    void ready() {
        ServiceReady.await();
    }

    @Test
    void aFormPostFromAnotherSiteIsRefused() {
        byte[] png = ServiceReady.partPng(41, SyntheticParts.Defect.NONE);
        // what a browser sends for <form method="post" enctype="multipart/form-data" action="http://appliance/api/v1/inspections">
        given().header("Origin", EVIL).header("Sec-Fetch-Site", "cross-site")
                .multiPart("file", "part.png", png, "image/png").multiPart("part_id", "FORGED-1")
                .post("/api/v1/inspections").then().statusCode(403).contentType("application/problem+json")
                .body("detail", containsString("cross-site"));
        // an older browser without Sec-Fetch-Site still sends Origin
        given().header("Origin", EVIL).contentType("image/png").body(png).post("/api/v1/inspections").then().statusCode(403)
                .body("detail", containsString(EVIL));
        given().urlEncodingEnabled(false).header("Sec-Fetch-Site", "cross-site").multiPart("file", "part.png", png, "image/png")
                .post("/api/v1/inspections:batch").then().statusCode(403);
    }

    @Test
    void everyChangeIsGuardedEvenWithTheKey() {
        given().header("X-API-Key", "test-key").header("Sec-Fetch-Site", "cross-site")
                .post("/api/v1/models/demo/untrained-1/activate").then().statusCode(403).contentType("application/problem+json");
        given().header("X-API-Key", "test-key").header("Origin", EVIL)
                .delete("/api/v1/training-jobs/unknown").then().statusCode(403);
        given().header("X-API-Key", "test-key").header("Origin", "null").contentType("application/json").body("{}")
                .post("/api/v1/training-jobs").then().statusCode(403);
    }

    @Test
    void theAppliancesOwnPagesAndNonBrowserClientsWork() {
        byte[] png = ServiceReady.partPng(42, SyntheticParts.Defect.NONE);
        given().header("Origin", "http://localhost:" + RestAssured.port).header("Sec-Fetch-Site", "same-origin")
                .contentType("image/png").body(png).post("/api/v1/inspections").then().statusCode(200);
        given().contentType("image/png").body(png).post("/api/v1/inspections").then().statusCode(200);
        given().header("X-API-Key", "test-key").post("/api/v1/models/demo/untrained-1/activate").then().statusCode(200);
    }

    @Test
    void readsAreNotGuardedAndCorsIsOff() {
        given().header("Origin", EVIL).header("Sec-Fetch-Site", "cross-site").get("/api/v1/models").then().statusCode(200)
                .header("Access-Control-Allow-Origin", nullValue());
        // no CORS: a preflight from another origin is not granted anything
        given().header("Origin", EVIL).header("Access-Control-Request-Method", "POST")
                .options("/api/v1/inspections").then().header("Access-Control-Allow-Origin", nullValue());
    }
}
