package dev.anomalyedge.sparkplug;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.Map;

import javax.imageio.ImageIO;

import org.eclipse.tahu.protobuf.SparkplugBProto.Payload;
import org.eclipse.tahu.protobuf.SparkplugBProto.Payload.Metric;
import org.junit.jupiter.api.Test;

import dev.anomalyedge.mqtt.Poll;
import dev.anomalyedge.mqtt.TestSubscriber;
import dev.anomalyedge.synthetic.SyntheticParts;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;

/**
 * The running appliance as a Sparkplug edge node (plain MQTT off): births with the READY state and the demo model, and
 * an inspection posted over REST arrives as DDATA with its part id, verdict and result code.
 */
@QuarkusTest
@QuarkusTestResource(value = SparkplugBrokerResource.class, restrictToAnnotatedClass = true)
@TestProfile(SparkplugServiceTest.WithSparkplug.class)
class SparkplugServiceTest {
    public static class WithSparkplug implements QuarkusTestProfile { }

    private static final Duration WAIT = Duration.ofSeconds(30);
    private final SparkplugSettings ids = new SparkplugSettings("plant", "line7", "cam1");

    @Test
    void inspectionOverRestArrivesAsDdata() throws Exception {
        Poll.until("appliance ready", Duration.ofSeconds(120), () -> RestAssured.get("/q/health/ready").statusCode() == 200);
        try (TestSubscriber sub = TestSubscriber.subscribe(SparkplugBrokerResource.broker.port(), "spBv1.0/plant/#")) {
            // a rebirth on request gives this late subscriber the births
            requestRebirth();
            Poll.until("a DBIRTH with state READY and the demo model", WAIT, () -> sub.on(ids.deviceTopic("DBIRTH")).stream()
                    .map(SparkplugNodeTest::decode).map(SparkplugNodeTest::metrics)
                    .anyMatch(m -> m.get("State").getStringValue().equals("READY") && m.get("Model/Name").getStringValue().equals("demo")));
            Payload nbirth = SparkplugNodeTest.decode(sub.await(ids.nodeTopic("NBIRTH"), 1, WAIT).get(0));
            assertEquals(0, nbirth.getSeq());

            ByteArrayOutputStream png = new ByteArrayOutputStream();
            ImageIO.write(SyntheticParts.generate(160, 1, SyntheticParts.Defect.SPOT).image(), "png", png);
            String verdict = given().contentType("image/png").header("X-Part-Id", "PLC-42").body(png.toByteArray())
                    .post("/api/v1/inspections").then().statusCode(200).extract().jsonPath().getString("verdict");
            Poll.until("a DDATA for PLC-42", WAIT, () -> sub.on(ids.deviceTopic("DDATA")).stream().map(SparkplugNodeTest::decode)
                    .map(SparkplugNodeTest::metrics).anyMatch(m -> m.containsKey("Inspection/Part ID")
                            && m.get("Inspection/Part ID").getStringValue().equals("PLC-42")));
            Map<String, Metric> m = sub.on(ids.deviceTopic("DDATA")).stream().map(SparkplugNodeTest::decode)
                    .map(SparkplugNodeTest::metrics).filter(x -> x.containsKey("Inspection/Part ID")
                            && x.get("Inspection/Part ID").getStringValue().equals("PLC-42")).findFirst().orElseThrow();
            assertEquals(verdict, m.get("Inspection/Verdict").getStringValue());
            assertTrue(m.get("Inspection/Score").hasDoubleValue());
        }
    }

    private void requestRebirth() throws Exception {
        var host = com.hivemq.client.mqtt.MqttClient.builder().useMqttVersion5().identifier("host-rebirth")
                .serverHost("127.0.0.1").serverPort(SparkplugBrokerResource.broker.port()).buildAsync();
        host.connect().get(10, java.util.concurrent.TimeUnit.SECONDS);
        try {
            Payload cmd = Payload.newBuilder().addMetrics(Metric.newBuilder().setName("Node Control/Rebirth")
                    .setDatatype(org.eclipse.tahu.protobuf.SparkplugBProto.DataType.Boolean.getNumber()).setBooleanValue(true)).build();
            host.publishWith().topic(ids.nodeTopic("NCMD")).qos(com.hivemq.client.mqtt.datatypes.MqttQos.AT_LEAST_ONCE)
                    .payload(cmd.toByteArray()).send().get(10, java.util.concurrent.TimeUnit.SECONDS);
        } finally {
            host.disconnect().get(10, java.util.concurrent.TimeUnit.SECONDS);
        }
    }
}
