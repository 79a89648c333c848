package dev.anomalyedge.mqtt;

import static dev.anomalyedge.mqtt.TestSubscriber.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.extension.sdk.api.packets.publish.AckReasonCode;

/**
 * The publisher when the broker says no: refused status messages, PUBACK error reason codes, a result the client
 * cannot encode, a PUBACK that comes late. Against a real HiveMQ CE broker whose answers a test rule decides.
 */
class MqttPublisherFailuresTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final BrokerPerClass BROKER = new BrokerPerClass(true);

    @TempDir
    Path queueDir;

    private MqttSettings.Builder settings(String cell, int port) {
        return BrokerPerClass.settings("edge-" + cell, cell, port, queueDir);
    }

    private static String result(int n) {
        return "{\"n\":" + n + ",\"verdict\":\"OK\",\"part_id\":\"P-" + n + "\"}";
    }

    private static int n(String payload) {
        try {
            return JSON.readTree(payload).get("n").asInt();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<Integer> ns(List<Mqtt5Publish> messages) {
        return messages.stream().map(p -> n(utf8(p))).toList();
    }

    private List<JsonNode> deadLetters() throws IOException {
        Path dir = queueDir.resolve("dead-letter");
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        List<JsonNode> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(f -> f.toString().endsWith(".json")).sorted().toList()) {
                out.add(JSON.readTree(f.toFile()));
            }
        }
        return out;
    }

    @Test
    void resultsFlowWhenTheBrokerRefusesEveryStatusMessage() throws Exception {
        MqttSettings s = settings("acl", BROKER.get().port()).build();
        Topics topics = Topics.of(s);
        // an ACL that allows only the result topic
        BROKER.get().setRule(p -> p.topic().equals(topics.status()) ? EmbeddedBroker.Answer.refuse(AckReasonCode.NOT_AUTHORIZED)
                : EmbeddedBroker.Answer.DELIVER);
        try (TestSubscriber sub = TestSubscriber.subscribe(BROKER.get().port(), topics.result());
             MqttResultPublisher publisher = new MqttResultPublisher(s, () -> StatusSnapshot.ready(new ModelIdentity("m", "1")))) {
            publisher.start();
            Poll.until("publisher connected", WAIT, publisher::connected);
            for (int i = 0; i < 3; i++) {
                assertTrue(publisher.publishResult(result(i), null));
            }
            assertEquals(List.of(0, 1, 2), ns(sub.await(topics.result(), 3, WAIT)));
            Poll.until("backlog sent", WAIT, () -> publisher.stats().backlog() == 0);
            assertEquals(3, publisher.stats().published());
            assertEquals(0, publisher.stats().deadLettered(), "a refused status message is no result");
            assertTrue(deadLetters().isEmpty());

            // a model swap asks for the status again: refused again, results still flow
            publisher.publishStatus();
            Poll.until("second status attempt", WAIT, () -> BROKER.get().inbound(s.clientId(), topics.status()).size() >= 2);
            assertTrue(publisher.publishResult(result(3), null));
            assertEquals(List.of(0, 1, 2, 3), ns(sub.await(topics.result(), 4, WAIT)));
        }
    }

    @Test
    void aStatusMessageRefusedForNowIsRetriedWithoutHoldingResultsBack() throws Exception {
        MqttSettings s = settings("quota", BROKER.get().port()).build();
        Topics topics = Topics.of(s);
        AtomicInteger statusAttempts = new AtomicInteger();
        BROKER.get().setRule(p -> p.topic().equals(topics.status()) && statusAttempts.incrementAndGet() <= 2
                ? EmbeddedBroker.Answer.refuse(AckReasonCode.QUOTA_EXCEEDED) : EmbeddedBroker.Answer.DELIVER);
        try (TestSubscriber sub = TestSubscriber.subscribe(BROKER.get().port(), topics.base() + "/#");
             MqttResultPublisher publisher = new MqttResultPublisher(s, () -> StatusSnapshot.ready(new ModelIdentity("m", "7")))) {
            publisher.start();
            Poll.until("publisher connected", WAIT, publisher::connected);
            assertTrue(publisher.publishResult(result(0), null));
            sub.await(topics.result(), 1, WAIT);
            // the retained birth arrives once the broker accepts it
            sub.awaitPayload(topics.status(), t -> t.contains("\"version\":\"7\""), WAIT);
            assertEquals(3, statusAttempts.get());
        }
    }

    @Test
    void brokerRefusalsAreRetriedOrDeadLetteredByTheirReasonCode() throws Exception {
        MqttSettings s = settings("codes", BROKER.get().port()).build();
        Topics topics = Topics.of(s);
        Map<Integer, AtomicInteger> attempts = new ConcurrentHashMap<>();
        BROKER.get().setRule(p -> {
            if (!p.topic().equals(topics.result())) {
                return EmbeddedBroker.Answer.DELIVER;
            }
            int n = n(p.payload());
            int attempt = attempts.computeIfAbsent(n, k -> new AtomicInteger()).incrementAndGet();
            return switch (n) {
                case 0 -> attempt <= 2 ? EmbeddedBroker.Answer.refuse(AckReasonCode.QUOTA_EXCEEDED) : EmbeddedBroker.Answer.DELIVER;
                case 1 -> attempt <= 1 ? EmbeddedBroker.Answer.refuse(AckReasonCode.UNSPECIFIED_ERROR) : EmbeddedBroker.Answer.DELIVER;
                case 2 -> EmbeddedBroker.Answer.refuse(AckReasonCode.NOT_AUTHORIZED);
                case 3 -> EmbeddedBroker.Answer.refuse(AckReasonCode.TOPIC_NAME_INVALID);
                case 4 -> EmbeddedBroker.Answer.refuse(AckReasonCode.PAYLOAD_FORMAT_INVALID);
                default -> EmbeddedBroker.Answer.DELIVER;
            };
        });
        try (TestSubscriber sub = TestSubscriber.subscribe(BROKER.get().port(), topics.result());
             MqttResultPublisher publisher = new MqttResultPublisher(s, () -> StatusSnapshot.ready(new ModelIdentity("m", "1")))) {
            publisher.start();
            Poll.until("publisher connected", WAIT, publisher::connected);
            for (int i = 0; i < 6; i++) {
                assertTrue(publisher.publishResult(result(i), null));
            }
            Poll.until(WAIT, () -> publisher.stats().backlog() == 0, () -> "backlog 0, stats " + publisher.stats());
            assertEquals(List.of(0, 1, 5), ns(sub.await(topics.result(), 3, WAIT)),
                    "retryable refusals are sent again, in order; final ones are not");
            assertEquals(3, attempts.get(0).get());
            assertEquals(2, attempts.get(1).get());
            assertEquals(1, attempts.get(2).get(), "a final refusal is not retried");

            MqttPublisherStats stats = publisher.stats();
            assertEquals(3, stats.published());
            assertEquals(2 + 1 + 3, stats.rejected(), "every refusal is counted");
            assertEquals(3, stats.deadLettered());

            List<JsonNode> dead = deadLetters();
            assertEquals(3, dead.size(), "one file per dead-lettered result: " + dead);
            String[] codes = {"NOT_AUTHORIZED", "TOPIC_NAME_INVALID", "PAYLOAD_FORMAT_INVALID"};
            for (int i = 0; i < 3; i++) {
                JsonNode d = dead.get(i);
                assertEquals(2 + i, d.get("payload").get("n").asInt(), "the result as it was queued: " + d);
                assertEquals(topics.result(), d.get("topic").asText());
                assertTrue(d.get("reason").asText().contains(codes[i]), d.get("reason").asText());
                assertTrue(d.get("seq").asLong() > 0);
            }
        }
    }

    @Test
    void aResultAwaitingItsAcknowledgementIsNotPublishedAgainOnTheSameConnection() throws Exception {
        MqttSettings s = settings("slow", BROKER.get().port()).build();
        Topics topics = Topics.of(s);
        // the broker takes 1.5 s to acknowledge the first result; the publisher's timeout is 200 ms
        BROKER.get().setRule(p -> p.topic().equals(topics.result()) && n(p.payload()) == 0
                ? EmbeddedBroker.Answer.hold(Duration.ofMillis(1500)) : EmbeddedBroker.Answer.DELIVER);
        try (TestSubscriber sub = TestSubscriber.subscribe(BROKER.get().port(), topics.result());
             MqttResultPublisher publisher = new MqttResultPublisher(s, () -> StatusSnapshot.ready(new ModelIdentity("m", "1")),
                     Duration.ofMillis(200))) {
            publisher.start();
            Poll.until("publisher connected", WAIT, publisher::connected);
            assertTrue(publisher.publishResult(result(0), null));
            assertTrue(publisher.publishResult(result(1), null));
            assertEquals(List.of(0, 1), ns(sub.await(topics.result(), 2, WAIT)));
            Poll.until("backlog sent", WAIT, () -> publisher.stats().backlog() == 0);

            List<EmbeddedBroker.Inbound> sent = BROKER.get().inbound(s.clientId(), topics.result());
            assertEquals(2, sent.size(), "each result published once: " + sent);
            assertEquals(2, sub.on(topics.result()).size());
            assertEquals(2, publisher.stats().published());
        }
    }

    @Test
    void aResultInFlightIsSentAgainAfterTheConnectionIsLost() throws Exception {
        try (TcpProxy proxy = new TcpProxy(BROKER.get().port())) {
            MqttSettings s = settings("resend", proxy.port()).build();
            Topics topics = Topics.of(s);
            AtomicInteger attempts = new AtomicInteger();
            // the first attempt is not acknowledged before its connection is gone
            BROKER.get().setRule(p -> p.topic().equals(topics.result()) && attempts.incrementAndGet() == 1
                    ? EmbeddedBroker.Answer.hold(Duration.ofSeconds(3)) : EmbeddedBroker.Answer.DELIVER);
            try (TestSubscriber sub = TestSubscriber.subscribe(BROKER.get().port(), topics.result());
                 MqttResultPublisher publisher = new MqttResultPublisher(s, () -> StatusSnapshot.ready(new ModelIdentity("m", "1")),
                         Duration.ofMillis(200))) {
                publisher.start();
                Poll.until("publisher connected", WAIT, publisher::connected);
                assertTrue(publisher.publishResult(result(0), null));
                Poll.until("first attempt at the broker", WAIT, () -> attempts.get() == 1);
                assertEquals(1, publisher.stats().backlog());

                proxy.cutAll();   // the publisher reconnects with a new session and sends it again
                sub.await(topics.result(), 1, WAIT);
                Poll.until("acknowledged", WAIT, () -> publisher.stats().backlog() == 0);
                assertEquals(2, attempts.get());
                assertEquals(1, publisher.stats().published());
            }
        }
    }

    @Test
    void aResultTooLargeForTheBrokerIsDeadLetteredAndTheRestFlow(@TempDir Path otherBrokerRoot) throws Exception {
        String limit = "<packets><max-packet-size>4096</max-packet-size></packets>";
        try (EmbeddedBroker small = new EmbeddedBroker(otherBrokerRoot, limit)) {
            small.start();
            MqttSettings s = settings("small", small.port()).build();
            Topics topics = Topics.of(s);
            String huge = "{\"n\":1,\"part_id\":\"" + "X".repeat(5000) + "\"}";
            try (MqttResultPublisher publisher = new MqttResultPublisher(s, () -> StatusSnapshot.ready(new ModelIdentity("m", "1")))) {
                publisher.start();
                try (TestSubscriber sub = TestSubscriber.subscribe(small.port(), topics.result())) {
                    Poll.until("publisher connected", WAIT, publisher::connected);
                    assertTrue(publisher.publishResult(result(0), null));
                    assertTrue(publisher.publishResult(huge, null));
                    assertTrue(publisher.publishResult(result(2), null));
                    assertEquals(List.of(0, 2), ns(sub.await(topics.result(), 2, WAIT)));
                    Poll.until(WAIT, () -> publisher.stats().backlog() == 0, () -> "backlog 0, stats " + publisher.stats());
                    assertEquals(1, publisher.stats().deadLettered());
                    List<JsonNode> dead = deadLetters();
                    assertEquals(1, dead.size());
                    assertEquals(5000, dead.get(0).get("payload").get("part_id").asText().length());
                    assertTrue(dead.get(0).get("reason").asText().contains("maximum packet size"),
                            dead.get(0).get("reason").asText());
                }

                // the broker's limit is lifted: after the reconnect a large result goes through
                small.stop();
                Poll.until("publisher notices the restart", WAIT, () -> !publisher.connected());
                small.writeConfig("");
                small.start();
                try (TestSubscriber sub = TestSubscriber.subscribe(small.port(), topics.result())) {
                    Poll.until("publisher reconnected", WAIT, publisher::connected);
                    assertTrue(publisher.publishResult(huge.replace("\"n\":1", "\"n\":3"), null));
                    assertEquals(List.of(3), ns(sub.await(topics.result(), 1, WAIT)));
                    assertEquals(1, publisher.stats().deadLettered(), "no new dead letter");
                }
            }
        }
    }
}
