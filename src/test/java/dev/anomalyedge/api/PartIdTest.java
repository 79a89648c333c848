package dev.anomalyedge.api;

import dev.anomalyedge.synthetic.SyntheticParts;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.builder.MultiPartSpecBuilder;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

/** The caller's part id goes into results, MQTT payloads and logs: at most 128 printable characters, else 400. */
@QuarkusTest
class PartIdTest {
    @BeforeEach
    void ready() {
        ServiceReady.await();
    }

    @Test
    void aPartIdUpToTheLimitIsEchoed() {
        String id = "P".repeat(128);
        given().contentType("image/png").header("X-Part-Id", id).body(ServiceReady.partPng(51, SyntheticParts.Defect.NONE))
                .post("/api/v1/inspections").then().statusCode(200).body("part_id", equalTo(id));
    }

    @Test
    void tooLongPartIdsAreRefused() {
        byte[] png = ServiceReady.partPng(52, SyntheticParts.Defect.NONE);
        given().contentType("image/png").header("X-Part-Id", "P".repeat(129)).body(png)
                .post("/api/v1/inspections").then().statusCode(400).contentType("application/problem+json")
                .body("detail", containsString("max-part-id-length"));
        given().multiPart("file", "part.png", png, "image/png").multiPart("part_id", "P".repeat(200))
                .post("/api/v1/inspections").then().statusCode(400).body("detail", containsString("200 characters"));
        given().urlEncodingEnabled(false).multiPart("file", "part.png", png, "image/png").header("X-Part-Id", "P".repeat(129))
                .post("/api/v1/inspections:batch").then().statusCode(400).contentType("application/problem+json");
    }

    @Test
    void nonPrintablePartIdsAreRefused() {
        byte[] png = ServiceReady.partPng(53, SyntheticParts.Defect.NONE);
        // a forged log line, terminal escapes, a right-to-left override that hides text
        for (String bad : new String[] {"P-1\n04:00:00 INFO model replaced", "P-1\u001b[2J", "P-\u202e1-P"}) {
            given().multiPart("file", "part.png", png, "image/png")
                    .multiPart(new MultiPartSpecBuilder(bad).controlName("part_id").mimeType("text/plain").charset("UTF-8").build())
                    .post("/api/v1/inspections").then().statusCode(400).contentType("application/problem+json")
                    .body("detail", containsString("non-printable"));
        }
        given().contentType("image/png").header("X-Part-Id", "P-1\tP-2").body(png)
                .post("/api/v1/inspections").then().statusCode(400).body("detail", containsString("U+0009"));
    }
}
