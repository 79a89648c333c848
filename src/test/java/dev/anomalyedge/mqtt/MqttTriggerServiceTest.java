package dev.anomalyedge.mqtt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;

import dev.anomalyedge.synthetic.SyntheticParts;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;

/**
 * The MQTT trigger through the running appliance, against a real broker: a PLC publishes an image on {@code …/trigger}
 * with a Response Topic and Correlation Data and gets exactly one result document back with the same correlation
 * data, for a good part, a defective one and a corrupt image (ERROR, result_code 12); the same result appears on
 * {@code …/result}, the part id is echoed, and the retained status went STARTING (if the broker came first) → READY.
 */
@QuarkusTest
@QuarkusTestResource(value = BrokerResource.class, restrictToAnnotatedClass = true)
@TestProfile(MqttTriggerServiceTest.WithTrigger.class)
class MqttTriggerServiceTest {
    public static class WithTrigger implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("appliance.mqtt.trigger.enabled", "true");
        }
    }

    static final String BASE = "plant/site1/area1/line7/cell1";
    static final Duration WAIT = Duration.ofSeconds(30);
    static final ObjectMapper JSON = new ObjectMapper();

    @BeforeEach
    void ready() {
        Poll.until("appliance ready", Duration.ofSeconds(120), () -> RestAssured.get("/q/health/ready").statusCode() == 200);
        Poll.until("appliance connected to the broker", Duration.ofSeconds(30), () -> RestAssured.get("/q/health/ready").asString()
                .contains("\"connected\": true"));
    }

    static byte[] png(long seed, SyntheticParts.Defect defect) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(SyntheticParts.generate(160, seed, defect).image(), "png", out);
        return out.toByteArray();
    }

    @Test
    void goodDefectiveAndCorruptTriggersAreEachAnsweredOnceWithTheirCorrelationData() throws Exception {
        try (MqttTriggerTest.Requester plc = new MqttTriggerTest.Requester(BrokerResource.broker.port());
             TestSubscriber results = TestSubscriber.subscribe(BrokerResource.broker.port(), BASE + "/result")) {
            subscribedOrTimeout(plc);
            plc.trigger(BASE + "/trigger", png(1, SyntheticParts.Defect.NONE), "good-1", "PLC-GOOD");
            plc.trigger(BASE + "/trigger", png(2, SyntheticParts.Defect.SPOT), "defect-1", "PLC-SPOT");
            plc.trigger(BASE + "/trigger", "not an image at all".getBytes(), "corrupt-1", "PLC-CORRUPT");

            for (String[] c : new String[][] {{"good-1", "PLC-GOOD"}, {"defect-1", "PLC-SPOT"}}) {
                JsonNode r = JSON.readTree(plc.awaitReply(c[0], WAIT).getPayloadAsBytes());
                assertEquals(c[1], r.get("part_id").asText(), r.toString());
                assertEquals("mqtt:" + BASE + "/trigger", r.get("source").asText());
                assertTrue(r.get("result_code").asInt() < 10 && r.get("score").isNumber(), "inspected: " + r);
                assertTrue(List.of("OK", "NG", "UNCALIBRATED").contains(r.get("verdict").asText()), r.toString());
                JsonNode published = JSON.readTree(TestSubscriber.utf8(results.awaitPayload(BASE + "/result",
                        p -> p.contains(r.get("id").asText()), WAIT)));
                assertEquals(c[1], published.get("part_id").asText(), "the same result on …/result");
            }
            JsonNode corrupt = JSON.readTree(plc.awaitReply("corrupt-1", WAIT).getPayloadAsBytes());
            assertEquals("ERROR", corrupt.get("verdict").asText());
            assertEquals(12, corrupt.get("result_code").asInt());
            assertFalse(corrupt.get("pass").asBoolean());
            assertEquals("undecodable", corrupt.at("/error/code").asText());
            assertEquals("PLC-CORRUPT", corrupt.get("part_id").asText());
            results.awaitPayload(BASE + "/result", p -> p.contains(corrupt.get("id").asText()), WAIT);

            // a part id over the limit is a bad_request ERROR result, answered all the same
            plc.trigger(BASE + "/trigger", png(3, SyntheticParts.Defect.NONE), "long-id", "X".repeat(129));
            JsonNode bad = JSON.readTree(plc.awaitReply("long-id", WAIT).getPayloadAsBytes());
            assertEquals(10, bad.get("result_code").asInt(), bad.toString());
            assertTrue(bad.get("part_id").isNull(), "an invalid part id is not echoed: " + bad);

            // one more round trip, then no trigger was answered twice
            plc.trigger(BASE + "/trigger", png(4, SyntheticParts.Defect.NONE), "last", "PLC-LAST");
            plc.awaitReply("last", WAIT);
            for (String c : new String[] {"good-1", "defect-1", "corrupt-1", "long-id"}) {
                assertEquals(1, plc.repliesTo(c).size(), "exactly one response to " + c);
            }
        }
    }

    @Test
    void theRetainedStatusIsReadyWithModelAndBackendAndNeverWentBackToStarting() throws Exception {
        try (TestSubscriber sub = TestSubscriber.subscribe(BrokerResource.broker.port(), BASE + "/status")) {
            JsonNode status = JSON.readTree(TestSubscriber.utf8(sub.await(BASE + "/status", 1, Duration.ofSeconds(10)).get(0)));
            assertEquals("READY", status.get("state").asText(), status.toString());
            assertEquals("demo", status.get("model").asText());
            assertTrue(status.get("backend").isTextual(), status.toString());
            assertEquals("appliance-under-test", status.get("client_id").asText());
        }
        // every status the broker got from the appliance: STARTING only before the first READY
        List<String> states = new ArrayList<>();
        for (EmbeddedBroker.Inbound p : BrokerResource.broker.inbound("appliance-under-test", BASE + "/status")) {
            states.add(JSON.readTree(p.payload()).get("state").asText());
        }
        int firstReady = states.indexOf("READY");
        assertTrue(firstReady >= 0, states.toString());
        assertTrue(states.subList(0, firstReady).stream().allMatch("STARTING"::equals), states.toString());
        assertTrue(states.subList(firstReady, states.size()).stream().allMatch("READY"::equals), states.toString());
    }

    /** Waits until the appliance's trigger subscription answers (it is made right after the connect). */
    private static void subscribedOrTimeout(MqttTriggerTest.Requester plc) {
        Poll.until(WAIT, () -> {
            String probe = "probe-" + java.util.UUID.randomUUID();
            try {
                plc.trigger(BASE + "/trigger", png(0, SyntheticParts.Defect.NONE), probe, "PROBE");
            } catch (Exception e) {
                return false;
            }
            try {
                plc.awaitReply(probe, Duration.ofSeconds(2));
                return true;
            } catch (AssertionError e) {
                return false;
            }
        }, () -> "the appliance answers triggers");
    }
}
