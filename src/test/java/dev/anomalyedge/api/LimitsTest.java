package dev.anomalyedge.api;

import dev.anomalyedge.image.LargePng;

import dev.anomalyedge.synthetic.SyntheticParts;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;

/** Upload and pixel limits answer 413 before any work is done, and the service keeps serving. */
@QuarkusTest
@TestProfile(LimitsTest.SmallLimits.class)
class LimitsTest {
    public static class SmallLimits implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("appliance.limits.max-upload-bytes", "300000", "appliance.limits.max-pixels", "250000");
        }
    }

    @BeforeEach
    void ready() {
        ServiceReady.await();
    }

    @Test
    void oversizedUploadIsRefused() {
        given().contentType("image/png").body(new byte[400_000]).post("/api/v1/inspections").then().statusCode(413)
                .contentType("application/problem+json").body("detail", containsString("max-upload-bytes"))
                .body("verdict", org.hamcrest.Matchers.equalTo("ERROR")).body("error.code", org.hamcrest.Matchers.equalTo("too_large"))
                .body("result_code", org.hamcrest.Matchers.equalTo(13));
        given().multiPart("file", "big.png", new byte[400_000], "image/png").post("/api/v1/inspections").then().statusCode(413);
    }

    @Test
    void decompressionBombIsRefusedFromItsHeader() throws Exception {
        // a tiny PNG whose header claims 60000 x 60000 pixels (3.6 G pixels): refused before decoding
        given().contentType("image/png").body(bombPng(60000, 60000)).post("/api/v1/inspections").then().statusCode(413)
                .body("detail", containsString("exceeds the limit"));
        given().contentType("image/png").body(ServiceReady.partPng(3, SyntheticParts.Defect.NONE)).post("/api/v1/inspections")
                .then().statusCode(200);
    }

    static byte[] bombPng(int w, int h) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        ByteBuffer ihdr = ByteBuffer.allocate(13).putInt(w).putInt(h).put((byte) 8).put((byte) 2).put((byte) 0).put((byte) 0).put((byte) 0);
        LargePng.chunk(out, "IHDR", ihdr.array());
        LargePng.chunk(out, "IDAT", new byte[] {0x78, (byte) 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01});
        LargePng.chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }
}
