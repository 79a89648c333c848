package dev.anomalyedge.sparkplug;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.eclipse.tahu.protobuf.SparkplugBProto.DataType;
import org.eclipse.tahu.protobuf.SparkplugBProto.Payload;
import org.eclipse.tahu.protobuf.SparkplugBProto.Payload.Metric;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;

import dev.anomalyedge.inspection.ApplianceState;
import dev.anomalyedge.inspection.Calibration;
import dev.anomalyedge.inspection.ErrorCode;
import dev.anomalyedge.inspection.InspectionResult;
import dev.anomalyedge.mqtt.EmbeddedBroker;
import dev.anomalyedge.mqtt.MqttSettings;
import dev.anomalyedge.mqtt.Poll;
import dev.anomalyedge.mqtt.TcpProxy;
import dev.anomalyedge.mqtt.TestSubscriber;

/** The edge node against a real embedded broker; every payload is decoded with the generated Sparkplug B classes. */
class SparkplugNodeTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static EmbeddedBroker broker;

    @TempDir
    Path dir;
    private final SparkplugSettings ids = new SparkplugSettings("plant", "line7", "cam1");
    private final String clientId = "edge-" + UUID.randomUUID();
    private SparkplugNode node;
    private TestSubscriber sub;
    private volatile NodeStatus status = new NodeStatus(ApplianceState.READY, "demo", "3");

    @BeforeAll
    static void startBroker(@TempDir Path root) throws Exception {
        broker = new EmbeddedBroker(root);
        broker.start();
    }

    @AfterAll
    static void stopBroker() throws Exception {
        broker.close();
    }

    @AfterEach
    void closeAll() {
        if (node != null) node.close();
        if (sub != null) sub.close();
    }

    private SparkplugNode newNode() {
        return newNode(broker.port());
    }

    private SparkplugNode newNode(int port) {
        MqttSettings mqtt = MqttSettings.builder("127.0.0.1", port, dir.resolve("queue")).clientId(clientId)
                .reconnectDelay(Duration.ofMillis(100), Duration.ofMillis(500)).build();
        return new SparkplugNode(ids, mqtt, SparkplugNode.bdSeqFile(dir.resolve("queue")), () -> status);
    }

    private SparkplugNode startNode() throws Exception {
        sub = TestSubscriber.subscribe(broker.port(), "spBv1.0/plant/#");
        node = newNode();
        node.start();
        sub.await(ids.deviceTopic("DBIRTH"), 1, WAIT);
        return node;
    }

    static Payload decode(Mqtt5Publish p) {
        try {
            return Payload.parseFrom(p.getPayloadAsBytes());
        } catch (Exception e) {
            throw new AssertionError("not a Sparkplug B payload on " + p.getTopic(), e);
        }
    }

    static Map<String, Metric> metrics(Payload p) {
        return p.getMetricsList().stream().collect(Collectors.toMap(Metric::getName, Function.identity()));
    }

    static InspectionResult ng(String partId, double score) {
        return new InspectionResult(UUID.randomUUID().toString(), Instant.now().toString(), partId, "test", score, score / 2,
                Calibration.Verdict.NG, 1, false, 0.5, null, new InspectionResult.Model("demo", "3", "ort", true),
                new InspectionResult.Timings(1, 2, 3, 7.5, 1), null, null, null);
    }

    @Test
    void nbirthThenDbirthThenDdataWithSeqAndMetrics() throws Exception {
        startNode();
        Payload nbirth = decode(sub.await(ids.nodeTopic("NBIRTH"), 1, WAIT).get(0));
        assertEquals(0, nbirth.getSeq());
        Map<String, Metric> n = metrics(nbirth);
        assertEquals(DataType.UInt64.getNumber(), n.get("bdSeq").getDatatype());
        assertEquals(DataType.Boolean.getNumber(), n.get("Node Control/Rebirth").getDatatype());
        assertFalse(n.get("Node Control/Rebirth").getBooleanValue());

        Payload dbirth = decode(sub.on(ids.deviceTopic("DBIRTH")).get(0));
        assertEquals(1, dbirth.getSeq());
        Map<String, Metric> d = metrics(dbirth);
        assertEquals(List.of("Inspection/Result ID", "Inspection/Verdict", "Inspection/Score", "Inspection/Part ID",
                "Inspection/Result Code", "Inspection/Pass", "Inspection/Latency ms", "State", "Model/Name", "Model/Version"),
                dbirth.getMetricsList().stream().map(Metric::getName).toList());
        assertTrue(d.get("Inspection/Score").getIsNull(), "no result yet");
        assertEquals("READY", d.get("State").getStringValue());
        assertEquals("demo", d.get("Model/Name").getStringValue());

        node.publishResult(ng("P-42", 0.93));
        node.publishResult(InspectionResult.failed("P-43", "test", ErrorCode.values()[0], "broken", null, 1.0));
        List<Mqtt5Publish> ddata = sub.await(ids.deviceTopic("DDATA"), 2, WAIT);
        Payload first = decode(ddata.get(0));
        assertEquals(2, first.getSeq());
        Map<String, Metric> r = metrics(first);
        assertEquals("NG", r.get("Inspection/Verdict").getStringValue());
        assertEquals(0.93, r.get("Inspection/Score").getDoubleValue());
        assertEquals(DataType.Double.getNumber(), r.get("Inspection/Score").getDatatype());
        assertEquals("P-42", r.get("Inspection/Part ID").getStringValue());
        assertEquals(1, r.get("Inspection/Result Code").getIntValue());
        assertFalse(r.get("Inspection/Pass").getBooleanValue());
        assertEquals(7.5, r.get("Inspection/Latency ms").getDoubleValue());
        assertFalse(r.get("Inspection/Verdict").getIsHistorical());

        Payload error = decode(ddata.get(1));
        assertEquals(3, error.getSeq());
        Map<String, Metric> e = metrics(error);
        assertEquals("ERROR", e.get("Inspection/Verdict").getStringValue());
        assertTrue(e.get("Inspection/Score").getIsNull());
        assertEquals(ErrorCode.values()[0].resultCode(), e.get("Inspection/Result Code").getIntValue());

        status = new NodeStatus(ApplianceState.FAULT, "demo", "3");
        node.statusChanged();
        Poll.until("a DDATA with the FAULT state", WAIT, () -> sub.on(ids.deviceTopic("DDATA")).stream()
                .map(SparkplugNodeTest::decode).anyMatch(p -> metrics(p).containsKey("State")
                        && metrics(p).get("State").getStringValue().equals("FAULT")));
    }

    @Test
    void willNdeathCarriesTheBdSeqOfItsNbirthAndTheNextConnectionTakesTheNext() throws Exception {
        startNode();
        long bdSeq = metrics(decode(sub.on(ids.nodeTopic("NBIRTH")).get(0))).get("bdSeq").getLongValue();

        assertTrue(broker.disconnectClient(clientId + "-sparkplug"), "the broker dropped the node");
        Payload will = decode(sub.await(ids.nodeTopic("NDEATH"), 1, WAIT).get(0));
        assertEquals(bdSeq, metrics(will).get("bdSeq").getLongValue());
        assertFalse(sub.on(ids.nodeTopic("NDEATH")).get(0).isRetain());

        Payload rebirth = decode(sub.await(ids.nodeTopic("NBIRTH"), 2, WAIT).get(1));
        assertEquals(0, rebirth.getSeq());
        assertEquals((bdSeq + 1) & 0xFF, metrics(rebirth).get("bdSeq").getLongValue());
    }

    @Test
    void bdSeqSurvivesARestartAndCleanCloseSendsNdeath() throws Exception {
        startNode();
        long first = metrics(decode(sub.on(ids.nodeTopic("NBIRTH")).get(0))).get("bdSeq").getLongValue();
        node.close();
        Payload death = decode(sub.await(ids.nodeTopic("NDEATH"), 1, WAIT).get(0));
        assertEquals(first, metrics(death).get("bdSeq").getLongValue());
        sub.await(ids.deviceTopic("DDEATH"), 1, WAIT);
        assertTrue(Files.exists(SparkplugNode.bdSeqFile(dir.resolve("queue"))));

        node = newNode();
        node.start();
        Payload second = decode(sub.await(ids.nodeTopic("NBIRTH"), 2, WAIT).get(1));
        assertEquals((first + 1) & 0xFF, metrics(second).get("bdSeq").getLongValue());
    }

    @Test
    void seqWrapsAfter255() throws Exception {
        startNode();
        for (int i = 0; i < 300; i++) node.publishResult(ng("P-" + i, 0.1));
        List<Mqtt5Publish> ddata = sub.await(ids.deviceTopic("DDATA"), 300, WAIT);
        for (int i = 0; i < 300; i++) {
            Payload p = decode(ddata.get(i));
            assertEquals("P-" + i, metrics(p).get("Inspection/Part ID").getStringValue());
            assertEquals((i + 2) % 256, p.getSeq(), "DDATA " + i);   // NBIRTH 0, DBIRTH 1
        }
    }

    @Test
    void rebirthOnNcmdResendsNbirthWithTheSameBdSeqAndDbirth() throws Exception {
        startNode();
        node.publishResult(ng("P-1", 0.9));
        sub.await(ids.deviceTopic("DDATA"), 1, WAIT);
        long bdSeq = metrics(decode(sub.on(ids.nodeTopic("NBIRTH")).get(0))).get("bdSeq").getLongValue();

        Mqtt5AsyncClient host = MqttClient.builder().useMqttVersion5().identifier("host-" + UUID.randomUUID())
                .serverHost("127.0.0.1").serverPort(broker.port()).buildAsync();
        host.connect().get(10, TimeUnit.SECONDS);
        try {
            Payload cmd = Payload.newBuilder().setTimestamp(System.currentTimeMillis()).addMetrics(Metric.newBuilder()
                    .setName("Node Control/Rebirth").setDatatype(DataType.Boolean.getNumber()).setBooleanValue(true)).build();
            host.publishWith().topic(ids.nodeTopic("NCMD")).qos(MqttQos.AT_LEAST_ONCE).payload(cmd.toByteArray()).send()
                    .get(10, TimeUnit.SECONDS);
        } finally {
            host.disconnect();
        }
        Payload nbirth = decode(sub.await(ids.nodeTopic("NBIRTH"), 2, WAIT).get(1));
        assertEquals(0, nbirth.getSeq());
        assertEquals(bdSeq, metrics(nbirth).get("bdSeq").getLongValue());
        Payload dbirth = decode(sub.await(ids.deviceTopic("DBIRTH"), 2, WAIT).get(1));
        assertEquals(1, dbirth.getSeq());
        assertEquals("P-1", metrics(dbirth).get("Inspection/Part ID").getStringValue(), "the last result's values");
    }

    @Test
    void resultsFromWhileDisconnectedAreReplayedAsHistoricalAfterTheBirths() throws Exception {
        sub = TestSubscriber.subscribe(broker.port(), "spBv1.0/plant/#");
        node = newNode();
        InspectionResult early = ng("P-offline", 0.8);
        node.publishResult(early);   // not started: nobody to send it to yet
        node.start();
        Payload replayed = decode(sub.await(ids.deviceTopic("DDATA"), 1, WAIT).get(0));
        assertEquals(2, replayed.getSeq(), "after NBIRTH and DBIRTH");
        Map<String, Metric> m = metrics(replayed);
        assertEquals("P-offline", m.get("Inspection/Part ID").getStringValue());
        assertTrue(replayed.getMetricsList().stream().allMatch(Metric::getIsHistorical));
        assertEquals(Instant.parse(early.timestamp()).toEpochMilli(), m.get("Inspection/Verdict").getTimestamp());

        node.publishResult(ng("P-live", 0.8));
        Payload live = decode(sub.await(ids.deviceTopic("DDATA"), 2, WAIT).get(1));
        assertTrue(live.getMetricsList().stream().noneMatch(Metric::getIsHistorical));
    }

    @Test
    void anOutageEndsInTheWillAndItsResultsComeBackAsHistoricalAfterTheNewBirths() throws Exception {
        try (TcpProxy proxy = new TcpProxy(broker.port())) {
            sub = TestSubscriber.subscribe(broker.port(), "spBv1.0/plant/#");
            node = newNode(proxy.port());
            node.start();
            long bdSeq = metrics(decode(sub.await(ids.nodeTopic("NBIRTH"), 1, WAIT).get(0))).get("bdSeq").getLongValue();
            sub.await(ids.deviceTopic("DBIRTH"), 1, WAIT);

            proxy.setAccepting(false);
            proxy.cutAll();   // TCP reset, no DISCONNECT: the broker publishes the Will
            assertEquals(bdSeq, metrics(decode(sub.await(ids.nodeTopic("NDEATH"), 1, WAIT).get(0))).get("bdSeq").getLongValue());
            Poll.until("the node saw the outage", WAIT, () -> !node.connected());
            node.publishResult(ng("P-during-1", 0.7));
            node.publishResult(ng("P-during-2", 0.7));
            proxy.setAccepting(true);

            List<Mqtt5Publish> ddata = sub.await(ids.deviceTopic("DDATA"), 2, WAIT);
            Payload nbirth = decode(sub.on(ids.nodeTopic("NBIRTH")).get(1));
            assertTrue(metrics(nbirth).get("bdSeq").getLongValue() != bdSeq, "a new bdSeq for the new connection");
            for (int i = 0; i < 2; i++) {
                Payload p = decode(ddata.get(i));
                assertEquals("P-during-" + (i + 1), metrics(p).get("Inspection/Part ID").getStringValue());
                assertEquals(2 + i, p.getSeq(), "after the new NBIRTH and DBIRTH");
                assertTrue(p.getMetricsList().stream().allMatch(Metric::getIsHistorical));
            }
        }
    }

    @Test
    void idsMustBeSingleTopicLevels() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new SparkplugSettings("plant", "line 7", "cam1"));
        assertTrue(e.getMessage().startsWith("appliance.sparkplug.edge-node-id"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new SparkplugSettings("a/b", "line7", "cam1"));
        assertThrows(IllegalArgumentException.class, () -> new SparkplugSettings("plant", "line7", "#"));
    }
}
