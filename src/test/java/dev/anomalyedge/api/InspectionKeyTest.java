package dev.anomalyedge.api;

import dev.anomalyedge.synthetic.SyntheticParts;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

/**
 * appliance.inspections.require-key=true: inspections need the API key like every change; and an HMI on another site
 * that is listed in appliance.http.allowed-origins may send changes, with CORS granted to it alone.
 */
@QuarkusTest
@TestProfile(InspectionKeyTest.KeyAndHmi.class)
class InspectionKeyTest {
    static final String HMI = "https://hmi.plant.example";

    public static class KeyAndHmi implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("appliance.inspections.require-key", "true", "appliance.http.allowed-origins", HMI,
                    "quarkus.http.cors.enabled", "true");
        }
    }

    @BeforeEach
    void ready() {
        ServiceReady.await();
    }

    @Test
    void inspectionsNeedTheKey() {
        byte[] png = ServiceReady.partPng(61, SyntheticParts.Defect.NONE);
        given().contentType("image/png").body(png).post("/api/v1/inspections").then().statusCode(401)
                .contentType("application/problem+json").header("WWW-Authenticate", "Bearer");
        given().header("X-API-Key", "wrong").contentType("image/png").body(png).post("/api/v1/inspections").then().statusCode(403);
        given().multiPart("file", "part.png", png, "image/png").post("/api/v1/inspections").then().statusCode(401);
        given().urlEncodingEnabled(false).multiPart("file", "part.png", png, "image/png")
                .post("/api/v1/inspections:batch").then().statusCode(401);
        String id = given().header("X-API-Key", "test-key").header("X-Part-Id", "K-1").contentType("image/png").body(png)
                .post("/api/v1/inspections").then().statusCode(200).body("part_id", equalTo("K-1")).extract().path("id");
        given().urlEncodingEnabled(false).header("Authorization", "Bearer test-key").multiPart("file", "part.png", png, "image/png")
                .post("/api/v1/inspections:batch").then().statusCode(200);
        // reading results stays open (a dashboard shows them)
        given().get("/api/v1/inspections/" + id).then().statusCode(200);
    }

    @Test
    void anAllowListedOriginMaySendChangesAndGetsCors() {
        byte[] png = ServiceReady.partPng(62, SyntheticParts.Defect.NONE);
        given().header("Origin", HMI).header("Sec-Fetch-Site", "cross-site").header("X-API-Key", "test-key")
                .contentType("image/png").body(png).post("/api/v1/inspections").then().statusCode(200)
                .header("Access-Control-Allow-Origin", HMI);
        given().header("Origin", "https://other.plant.example").header("Sec-Fetch-Site", "cross-site").header("X-API-Key", "test-key")
                .contentType("image/png").body(png).post("/api/v1/inspections").then().statusCode(403);
        given().header("Origin", HMI).header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "x-api-key,content-type")
                .options("/api/v1/inspections").then().statusCode(200).header("Access-Control-Allow-Origin", HMI);
        given().header("Origin", "https://other.plant.example").header("Access-Control-Request-Method", "POST")
                .options("/api/v1/inspections").then().header("Access-Control-Allow-Origin", nullValue());
    }
}
