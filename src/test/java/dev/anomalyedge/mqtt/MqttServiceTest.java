package dev.anomalyedge.mqtt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.extension.sdk.api.packets.publish.AckReasonCode;
import dev.anomalyedge.synthetic.SyntheticParts;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The appliance's MQTT side through the REST API, against a real broker: results at QoS 1 on the ISA-95 topic,
 * the retained birth, nothing for rejected requests, a broker outage with none lost and order kept, and a result the
 * broker refuses for good dead-lettered and counted in /q/metrics and the readiness data.
 */
@QuarkusTest
@QuarkusTestResource(value = BrokerResource.class, restrictToAnnotatedClass = true)
@TestProfile(MqttServiceTest.WithBroker.class)
class MqttServiceTest {
    public static class WithBroker implements QuarkusTestProfile { }

    static final String BASE = "plant/site1/area1/line7/cell1";
    static final ObjectMapper JSON = new ObjectMapper();

    @BeforeEach
    void ready() {
        Poll.until("appliance ready", Duration.ofSeconds(120), () -> RestAssured.get("/q/health/ready").statusCode() == 200);
        Poll.until("appliance connected to the broker", Duration.ofSeconds(30), () -> RestAssured.get("/q/health/ready").asString()
                .contains("\"connected\": true"));
    }

    static byte[] png(long seed) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(SyntheticParts.generate(160, seed, SyntheticParts.Defect.SPOT).image(), "png", out);
        return out.toByteArray();
    }

    @Test
    void resultsArriveAtQos1WithTheRetainedBirthAndHeatmap() throws Exception {
        try (TestSubscriber sub = TestSubscriber.subscribe(BrokerResource.broker.port(), BASE + "/#")) {
            JsonNode birth = JSON.readTree(TestSubscriber.utf8(sub.await(BASE + "/status", 1, Duration.ofSeconds(10)).get(0)));
            assertEquals("READY", birth.get("state").asText());
            assertEquals("demo", birth.get("model").asText());

            String id = given().contentType("image/png").header("X-Part-Id", "PLC-42").body(png(1)).post("/api/v1/inspections")
                    .then().statusCode(200).extract().jsonPath().getString("id");
            Mqtt5Publish msg = sub.awaitPayload(BASE + "/result", p -> p.contains(id), Duration.ofSeconds(10));
            assertEquals(MqttQos.AT_LEAST_ONCE, msg.getQos());
            JsonNode result = JSON.readTree(TestSubscriber.utf8(msg));
            assertEquals("PLC-42", result.get("part_id").asText());
            assertTrue(result.get("score").isNumber());
            assertTrue(result.get("anomaly_map") == null && result.get("resized") == null, "no image bytes in the result");
            sub.await(BASE + "/heatmap", 1, Duration.ofSeconds(10));

            // a trigger that cannot be inspected is answered on the result topic too: ERROR, with its code
            given().contentType("image/png").header("X-Part-Id", "PLC-BAD").body("garbage".getBytes()).post("/api/v1/inspections")
                    .then().statusCode(422);
            JsonNode error = JSON.readTree(TestSubscriber.utf8(sub.awaitPayload(BASE + "/result", p -> p.contains("PLC-BAD"),
                    Duration.ofSeconds(10))));
            assertEquals("ERROR", error.get("verdict").asText());
            assertEquals(12, error.get("result_code").asInt());
            assertFalse(error.get("pass").asBoolean());
            assertEquals("undecodable", error.at("/error/code").asText());
            given().contentType("image/png").header("X-Part-Id", "PLC-43").body(png(2)).post("/api/v1/inspections")
                    .then().statusCode(200);
            sub.awaitPayload(BASE + "/result", p -> p.contains("PLC-43"), Duration.ofSeconds(10));
        }
    }

    /** The demo model can never pass for a real one: readiness, the retained status and every result say demo. */
    @Test
    void theDemoModelSaysDemoInHealthStatusAndEveryResult() throws Exception {
        given().get("/q/health/ready").then().statusCode(200)
                .body("checks.find { it.name == 'model' }.data.demo", org.hamcrest.Matchers.equalTo(true));
        try (TestSubscriber sub = TestSubscriber.subscribe(BrokerResource.broker.port(), BASE + "/#")) {
            JsonNode birth = JSON.readTree(TestSubscriber.utf8(sub.await(BASE + "/status", 1, Duration.ofSeconds(10)).get(0)));
            assertTrue(birth.get("demo").asBoolean(), "retained status: " + birth);
            String id = given().contentType("image/png").body(png(3)).post("/api/v1/inspections")
                    .then().statusCode(200).body("model.demo", org.hamcrest.Matchers.equalTo(true))
                    .extract().jsonPath().getString("id");
            JsonNode result = JSON.readTree(TestSubscriber.utf8(sub.awaitPayload(BASE + "/result", p -> p.contains(id), Duration.ofSeconds(10))));
            assertTrue(result.at("/model/demo").asBoolean(), "published result: " + result);
            given().get("/api/v1/inspections/" + id).then().statusCode(200).body("model.demo", org.hamcrest.Matchers.equalTo(true));
        }
    }

    @Test
    void brokerOutageLosesNothingAndKeepsOrder() throws Exception {
        int n = 12;
        BrokerResource.broker.stop();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ids.add(given().contentType("image/png").header("X-Part-Id", "OUT-" + i).body(png(10 + i))
                    .post("/api/v1/inspections").then().statusCode(200).extract().jsonPath().getString("id"));
        }
        Poll.until("backlog of " + n + " on disk", Duration.ofSeconds(10),
                () -> RestAssured.get("/q/health/ready").asString().contains("\"backlog\": " + n));
        given().get("/q/health/ready").then().statusCode(200); // still ready while the broker is away
        // what the broker received, not what a subscriber saw: a subscriber that connects after the restarted broker is
        // up can miss results the appliance sends the moment it reconnects (a race on a busy box)
        BrokerResource.broker.start();
        Poll.until("all " + n + " outage results at the broker", Duration.ofSeconds(60), () -> outageResults().size() >= n);
        List<String> got = new ArrayList<>();
        for (JsonNode r : outageResults()) {
            if (!got.contains(r.get("id").asText())) got.add(r.get("id").asText());
            assertTrue(r.get("is_historical").asBoolean(), "queued during the outage → historical: " + r);
        }
        assertEquals(ids, got.subList(0, n), "all results, in order");
    }

    @Test
    void aResultTheBrokerRefusesForGoodIsDeadLetteredAndShownInMetricsAndHealth() throws Exception {
        BrokerResource.broker.setRule(p -> p.topic().equals(BASE + "/result") && p.payload().contains("ACL-DENIED")
                ? EmbeddedBroker.Answer.refuse(AckReasonCode.NOT_AUTHORIZED) : EmbeddedBroker.Answer.DELIVER);
        try (TestSubscriber sub = TestSubscriber.subscribe(BrokerResource.broker.port(), BASE + "/result")) {
            given().contentType("image/png").header("X-Part-Id", "ACL-DENIED").body(png(30)).post("/api/v1/inspections")
                    .then().statusCode(200);
            given().contentType("image/png").header("X-Part-Id", "AFTER-DENIED").body(png(31)).post("/api/v1/inspections")
                    .then().statusCode(200);
            sub.awaitPayload(BASE + "/result", p -> p.contains("AFTER-DENIED"), Duration.ofSeconds(10));

            Poll.until("dead letter in the readiness data", Duration.ofSeconds(10),
                    () -> RestAssured.get("/q/health/ready").asString().contains("\"dead_lettered\": 1"));
            String health = RestAssured.get("/q/health/ready").asString();
            assertTrue(health.contains("\"rejected\": 1") && health.contains("\"dead_letter_files\": 1"), health);
            String metrics = RestAssured.get("/q/metrics").asString();
            for (String series : new String[] {"appliance_mqtt_rejected 1.0", "appliance_mqtt_dead_lettered 1.0",
                    "appliance_mqtt_dead_letter_files 1.0"}) {
                assertTrue(metrics.contains(series), series + " in /q/metrics");
            }
            try (Stream<Path> files = Files.list(BrokerResource.queueDir.resolve("dead-letter"))) {
                List<Path> dead = files.toList();
                assertEquals(1, dead.size());
                JsonNode letter = JSON.readTree(dead.get(0).toFile());
                assertEquals("ACL-DENIED", letter.get("payload").get("part_id").asText());
                assertTrue(letter.get("reason").asText().contains("NOT_AUTHORIZED"), letter.toString());
            }
        } finally {
            BrokerResource.broker.reset();
        }
    }

    /** The outage test's results (part ids OUT-…) that the broker received on the result topic, in arrival order. */
    private static List<JsonNode> outageResults() {
        List<JsonNode> out = new ArrayList<>();
        for (EmbeddedBroker.Inbound p : BrokerResource.broker.inbound()) {
            if (!p.topic().equals(BASE + "/result")) continue;
            JsonNode r;
            try {
                r = JSON.readTree(p.payload());
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            if (r.path("part_id").asText().startsWith("OUT-")) out.add(r);
        }
        return out;
    }
}
