package dev.anomalyedge.mqtt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;

import dev.anomalyedge.inspection.ApplianceState;

/**
 * The MQTT trigger (MQTT 5 request/response) and the status state machine, with the publisher wired to a fake
 * handler, against the real embedded broker: one response per trigger with its correlation data, the part id handed
 * over, inspection off the client's threads, queue_full when the executor is full, the subscription kept across a
 * reconnect, and STARTING → READY → OFFLINE (Will) → READY on the retained status.
 */
class MqttTriggerTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final BrokerPerClass BROKER = new BrokerPerClass(false);

    @TempDir
    Path queueDir;

    private MqttSettings settings(String cell) {
        return BrokerPerClass.settings("edge-trigger-" + cell, cell, BROKER.get().port(), queueDir).trigger(true).build();
    }

    /** Answers each trigger with a JSON naming what it got; blocks while {@code gate} is closed. */
    static final class FakeHandler implements TriggerHandler {
        record Call(byte[] image, String source, String partId, String thread) { }

        final List<Call> calls = new CopyOnWriteArrayList<>();
        final List<String> refused = new CopyOnWriteArrayList<>();
        volatile CountDownLatch gate = new CountDownLatch(0);
        final CountDownLatch entered = new CountDownLatch(1);

        @Override
        public String trigger(byte[] image, String source, String partId) {
            calls.add(new Call(image, source, partId, Thread.currentThread().getName()));
            entered.countDown();
            try {
                gate.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return "{\"verdict\":\"OK\",\"result_code\":0,\"part_id\":\"" + partId + "\",\"bytes\":" + image.length + "}";
        }

        @Override
        public String queueFull(String source, String partId) {
            refused.add(partId);
            return "{\"verdict\":\"ERROR\",\"result_code\":20,\"part_id\":\"" + partId + "\",\"error\":{\"code\":\"queue_full\"}}";
        }
    }

    /** A PLC-like requester: publishes triggers with a Response Topic and Correlation Data, records the replies. */
    static final class Requester implements AutoCloseable {
        final Mqtt5AsyncClient client;
        final String replyTopic = "plc/replies/" + UUID.randomUUID();
        final List<Mqtt5Publish> replies = new CopyOnWriteArrayList<>();

        Requester(int port) throws Exception {
            client = MqttClient.builder().useMqttVersion5().identifier("plc-" + UUID.randomUUID())
                    .serverHost("127.0.0.1").serverPort(port).buildAsync();
            client.connectWith().cleanStart(true).send().get(10, TimeUnit.SECONDS);
            client.subscribeWith().topicFilter(replyTopic).qos(MqttQos.AT_LEAST_ONCE).callback(replies::add)
                    .send().get(10, TimeUnit.SECONDS);
        }

        void trigger(String topic, byte[] image, String correlation, String partId) throws Exception {
            var b = client.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(image).contentType("image/png")
                    .responseTopic(replyTopic).correlationData(correlation.getBytes(StandardCharsets.UTF_8));
            if (partId != null) {
                b = b.userProperties().add("part_id", partId).applyUserProperties();
            }
            b.send().get(10, TimeUnit.SECONDS);
        }

        List<Mqtt5Publish> repliesTo(String correlation) {
            byte[] c = correlation.getBytes(StandardCharsets.UTF_8);
            List<Mqtt5Publish> out = new ArrayList<>();
            for (Mqtt5Publish p : replies) {
                byte[] got = p.getCorrelationData().map(bb -> {
                    byte[] a = new byte[bb.remaining()];
                    bb.duplicate().get(a);
                    return a;
                }).orElse(null);
                if (java.util.Arrays.equals(c, got)) {
                    out.add(p);
                }
            }
            return out;
        }

        Mqtt5Publish awaitReply(String correlation) {
            return awaitReply(correlation, WAIT);
        }

        Mqtt5Publish awaitReply(String correlation, Duration wait) {
            Poll.until(wait, () -> !repliesTo(correlation).isEmpty(), () -> "a reply with correlation " + correlation
                    + ", got " + replies.size() + " replies");
            return repliesTo(correlation).get(0);
        }

        @Override
        public void close() {
            try {
                client.disconnect().get(5, TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // broker gone
            }
        }
    }

    @Test
    void aTriggerGetsExactlyOneResponseWithItsCorrelationDataAndThePartIdIsHandedOver() throws Exception {
        MqttSettings s = settings("reply");
        Topics topics = Topics.of(s);
        assertEquals("anomaly/plant/paint/line7/reply/trigger", topics.trigger());
        FakeHandler handler = new FakeHandler();
        try (MqttResultPublisher publisher = new MqttResultPublisher(s, () -> StatusSnapshot.ready(new ModelIdentity("m", "1")));
             Requester plc = new Requester(BROKER.get().port())) {
            publisher.acceptTriggers(handler, 2, 4);
            publisher.start();
            Poll.until("publisher connected", WAIT, publisher::connected);
            Poll.until("trigger subscribed", WAIT, () -> subscribed(plc, topics, handler));

            byte[] image = {(byte) 0x89, 'P', 'N', 'G', 9, 8, 7};
            plc.trigger(topics.trigger(), image, "corr-1", "PLC-42");
            Mqtt5Publish reply = plc.awaitReply("corr-1");
            JsonNode r = JSON.readTree(reply.getPayloadAsBytes());
            assertEquals("PLC-42", r.get("part_id").asText());
            assertEquals(image.length, r.get("bytes").asInt());
            assertEquals(MqttQos.AT_LEAST_ONCE, reply.getQos());
            assertEquals("application/json", reply.getContentType().orElseThrow().toString());

            FakeHandler.Call call = handler.calls.stream().filter(c -> "PLC-42".equals(c.partId())).findFirst().orElseThrow();
            assertArrayEquals(image, call.image());
            assertEquals("mqtt:" + topics.trigger(), call.source());
            assertTrue(call.thread().startsWith("mqtt-trigger-"), "inspected off the client's threads: " + call.thread());

            // a later trigger's reply has arrived, so a duplicate of the first would have too
            plc.trigger(topics.trigger(), image, "corr-2", null);
            JsonNode second = JSON.readTree(plc.awaitReply("corr-2").getPayloadAsBytes());
            assertEquals("null", second.get("part_id").asText(), "no part_id property: none");
            assertEquals(1, plc.repliesTo("corr-1").size(), "exactly one response");
            Poll.until("responses acknowledged", WAIT, () -> publisher.stats().backlog() == 0);
        }
    }

    @Test
    void aFullExecutorAnswersQueueFullAtOnceAndTheWaitingTriggerIsStillAnswered() throws Exception {
        MqttSettings s = settings("full");
        Topics topics = Topics.of(s);
        FakeHandler handler = new FakeHandler();
        try (MqttResultPublisher publisher = new MqttResultPublisher(s, () -> StatusSnapshot.ready(new ModelIdentity("m", "1")));
             Requester plc = new Requester(BROKER.get().port())) {
            publisher.acceptTriggers(handler, 1, 0);   // one at a time, none waiting
            publisher.start();
            Poll.until("publisher connected", WAIT, publisher::connected);
            Poll.until("trigger subscribed", WAIT, () -> subscribed(plc, topics, handler));

            handler.gate = new CountDownLatch(1);   // the next trigger holds the only worker
            plc.trigger(topics.trigger(), new byte[] {1}, "slow", "SLOW");
            Poll.until("the slow trigger is being inspected", WAIT,
                    () -> handler.calls.stream().anyMatch(c -> "SLOW".equals(c.partId())));
            plc.trigger(topics.trigger(), new byte[] {2}, "refused", "FULL");
            JsonNode refused = JSON.readTree(plc.awaitReply("refused").getPayloadAsBytes());
            assertEquals("queue_full", refused.at("/error/code").asText());
            assertEquals(20, refused.get("result_code").asInt());
            assertEquals(List.of("FULL"), handler.refused);
            assertTrue(plc.repliesTo("slow").isEmpty(), "the slow one is still being inspected");

            handler.gate.countDown();
            JsonNode slow = JSON.readTree(plc.awaitReply("slow").getPayloadAsBytes());
            assertEquals("SLOW", slow.get("part_id").asText());
        }
    }

    @Test
    void statusGoesStartingReadyOfflineReadyAndTheTriggerSurvivesTheReconnect() throws Exception {
        MqttSettings s = settings("state");
        Topics topics = Topics.of(s);
        FakeHandler handler = new FakeHandler();
        AtomicReference<StatusSnapshot> state = new AtomicReference<>(StatusSnapshot.STARTING);
        try (TestSubscriber sub = TestSubscriber.subscribe(BROKER.get().port(), topics.status());
             MqttResultPublisher publisher = new MqttResultPublisher(s, state::get);
             Requester plc = new Requester(BROKER.get().port())) {
            publisher.acceptTriggers(handler, 2, 4);
            publisher.start();
            Poll.until(WAIT, () -> states(sub, topics).contains("STARTING"), () -> "STARTING, got " + states(sub, topics));

            state.set(new StatusSnapshot(ApplianceState.READY, new ModelIdentity("bottle", "3"), "onnxruntime-cpu", null));
            publisher.publishStatus();
            Poll.until(WAIT, () -> states(sub, topics).contains("READY"), () -> "READY, got " + states(sub, topics));
            JsonNode ready = JSON.readTree(sub.awaitPayload(topics.status(), t -> t.contains("READY"), WAIT).getPayloadAsBytes());
            assertEquals("bottle", ready.get("model").asText());
            assertEquals("onnxruntime-cpu", ready.get("backend").asText());

            state.set(new StatusSnapshot(ApplianceState.FAULT, new ModelIdentity("bottle", "3"), "onnxruntime-cpu", "5 in a row"));
            publisher.publishStatus();
            JsonNode fault = JSON.readTree(sub.awaitPayload(topics.status(), t -> t.contains("FAULT"), WAIT).getPayloadAsBytes());
            assertEquals("5 in a row", fault.get("reason").asText());
            state.set(new StatusSnapshot(ApplianceState.READY, new ModelIdentity("bottle", "3"), "onnxruntime-cpu", null));
            publisher.publishStatus();
            Poll.until(WAIT, () -> readyAfter(states(sub, topics), "FAULT"), () -> "READY after FAULT, got " + states(sub, topics));

            // the broker drops the appliance: the Will says OFFLINE, the reconnect READY again
            assertTrue(BROKER.get().disconnectClient(s.clientId()));
            Poll.until(WAIT, () -> readyAfter(states(sub, topics), "OFFLINE"), () -> "OFFLINE then READY, got " + states(sub, topics));
            List<String> seen = states(sub, topics);
            assertTrue(seen.size() >= 6, "status sequence " + seen);
            assertEquals(List.of("STARTING", "READY", "FAULT", "READY", "OFFLINE", "READY"), seen.subList(0, 6), seen.toString());

            // clean start: the broker forgot the subscription with the old connection; the appliance made it again
            Poll.until("publisher reconnected", WAIT, publisher::connected);
            Poll.until("trigger subscribed again", WAIT, () -> subscribed(plc, topics, handler));
            plc.trigger(topics.trigger(), new byte[] {7}, "after-reconnect", "P-7");
            assertEquals("P-7", JSON.readTree(plc.awaitReply("after-reconnect").getPayloadAsBytes()).get("part_id").asText());
            assertEquals(1, plc.repliesTo("after-reconnect").size());
        }
        try (TestSubscriber after = TestSubscriber.subscribe(BROKER.get().port(), topics.status())) {
            JsonNode off = JSON.readTree(after.awaitPayload(topics.status(), t -> t.contains("OFFLINE"), WAIT).getPayloadAsBytes());
            assertEquals("shutdown", off.get("reason").asText(), "a clean close leaves OFFLINE retained");
        }
    }

    /**
     * Whether the appliance's trigger subscription is in place: a probe trigger (no response topic) reaches the
     * handler. Each probe has its own part id; probes are not answered on a response topic.
     */
    private static boolean subscribed(Requester plc, Topics topics, FakeHandler handler) {
        String probe = "probe-" + UUID.randomUUID();
        try {
            plc.client.publishWith().topic(topics.trigger()).qos(MqttQos.AT_LEAST_ONCE).payload(new byte[] {0})
                    .userProperties().add("part_id", probe).applyUserProperties().send().get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            return false;
        }
        try {
            Poll.until(Duration.ofMillis(500), () -> handler.calls.stream().anyMatch(c -> probe.equals(c.partId())),
                    () -> "probe " + probe);
            return true;
        } catch (AssertionError e) {
            return false;
        }
    }

    /**
     * Whether {@code states} (one snapshot: the subscriber's list grows while a test reads it) holds {@code state} and a
     * READY after it.
     */
    private static boolean readyAfter(List<String> states, String state) {
        int at = states.indexOf(state);
        return at >= 0 && states.lastIndexOf("READY") > at;
    }

    private static List<String> states(TestSubscriber sub, Topics topics) {
        List<String> out = new ArrayList<>();
        for (Mqtt5Publish p : sub.on(topics.status())) {
            try {
                out.add(JSON.readTree(p.getPayloadAsBytes()).get("state").asText());
            } catch (Exception e) {
                out.add("not JSON");
            }
        }
        return out;
    }
}
