package dev.anomalyedge.mqtt;

import static dev.anomalyedge.mqtt.TestSubscriber.userProperty;
import static dev.anomalyedge.mqtt.TestSubscriber.utf8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;

/** The publisher against a real HiveMQ CE broker on 127.0.0.1, stopped and restarted by the tests. */
class MqttResultPublisherTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final BrokerPerClass BROKER = new BrokerPerClass(false);

    @TempDir
    Path queueDir;

    /** Settings for one test: its own client id and cell (so retained status messages do not mix), fast reconnect. */
    private MqttSettings settings(String cell, int port) {
        return BrokerPerClass.settings("edge-" + cell, cell, port, queueDir).heatmap(true, 0).build();
    }

    private static String result(int n) {
        return "{\"n\":" + n + ",\"score\":0.12345678901234567,\"verdict\":\"OK\",\"part\":\"P-" + n + "\"}";
    }

    private static JsonNode json(Mqtt5Publish p) throws Exception {
        return JSON.readTree(p.getPayloadAsBytes());
    }

    @Test
    void liveResultsArriveAtQos1OnTheResultTopicWithTheJsonIntact() throws Exception {
        MqttSettings s = settings("live", BROKER.get().port());
        Topics topics = Topics.of(s);
        assertEquals("anomaly/plant/paint/line7/live/result", topics.result());
        try (TestSubscriber sub = TestSubscriber.subscribe(BROKER.get().port(), topics.base() + "/#");
             MqttResultPublisher publisher = new MqttResultPublisher(s, () -> StatusSnapshot.ready(new ModelIdentity("bottle", "3")))) {
            publisher.start();
            Poll.until("publisher connected", WAIT, publisher::connected);
            byte[] png = {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3};
            for (int i = 0; i < 3; i++) {
                assertTrue(publisher.publishResult(result(i), i == 0 ? png : null));
            }

            List<Mqtt5Publish> results = sub.await(topics.result(), 3, WAIT);
            for (int i = 0; i < 3; i++) {
                Mqtt5Publish p = results.get(i);
                assertEquals(MqttQos.AT_LEAST_ONCE, p.getQos());
                assertFalse(p.isRetain());
                assertEquals(result(i), utf8(p), "live payload is sent byte for byte");
                assertNull(userProperty(p, "is_historical"));
                assertNotNull(userProperty(p, "seq"));
            }
            List<Mqtt5Publish> heatmaps = sub.await(topics.heatmap(), 1, WAIT);
            assertArrayEquals(png, heatmaps.get(0).getPayloadAsBytes());
            assertEquals(userProperty(results.get(0), "seq"), userProperty(heatmaps.get(0), "result_seq"));

            Poll.until("backlog acknowledged", WAIT, () -> publisher.stats().backlog() == 0);
            MqttPublisherStats stats = publisher.stats();
            assertEquals(3, stats.published());
            assertEquals(1, stats.heatmapsPublished());
            assertTrue(stats.connected());
        }
    }

    @Test
    void birthIsRetainedOnConnectAndRepublishedAfterAModelSwap() throws Exception {
        MqttSettings s = settings("birth", BROKER.get().port());
        Topics topics = Topics.of(s);
        AtomicReference<ModelIdentity> model = new AtomicReference<>(new ModelIdentity("bottle", "1"));
        try (MqttResultPublisher publisher = new MqttResultPublisher(s, () -> StatusSnapshot.ready(model.get()))) {
            publisher.start();
            Poll.until("publisher connected", WAIT, publisher::connected);
            // a subscriber that arrives later still learns the state: the birth is retained
            try (TestSubscriber late = TestSubscriber.subscribe(BROKER.get().port(), topics.status())) {
                Mqtt5Publish birth = late.awaitPayload(topics.status(), t -> t.contains("READY"), WAIT);
                assertTrue(birth.isRetain());
                assertEquals(MqttQos.AT_LEAST_ONCE, birth.getQos());
                JsonNode b = json(birth);
                assertEquals("READY", b.get("state").asText());
                assertEquals("bottle", b.get("model").asText());
                assertEquals("1", b.get("version").asText());
                assertTrue(b.get("timestamp").asLong() > 0);

                model.set(new ModelIdentity("bottle", "2"));
                publisher.publishStatus();
                late.awaitPayload(topics.status(), t -> t.contains("\"version\":\"2\""), WAIT);
            }
        }
        // a clean close leaves a retained OFFLINE status behind
        try (TestSubscriber after = TestSubscriber.subscribe(BROKER.get().port(), topics.status())) {
            Mqtt5Publish offline = after.awaitPayload(topics.status(), t -> t.contains("OFFLINE"), WAIT);
            assertTrue(offline.isRetain());
            assertEquals("shutdown", json(offline).get("reason").asText());
        }
    }

    @Test
    void lastWillFiresRetainedWhenTheConnectionDiesAbruptly() throws Exception {
        try (TcpProxy proxy = new TcpProxy(BROKER.get().port())) {
            MqttSettings s = settings("will", proxy.port());
            Topics topics = Topics.of(s);
            try (MqttResultPublisher publisher = new MqttResultPublisher(s, () -> StatusSnapshot.ready(new ModelIdentity("m", "1")))) {
                publisher.start();
                Poll.until("publisher connected", WAIT, publisher::connected);
                try (TestSubscriber sub = TestSubscriber.subscribe(BROKER.get().port(), topics.status())) {
                    sub.awaitPayload(topics.status(), t -> t.contains("READY"), WAIT);
                }

                proxy.setAccepting(false);
                proxy.cutAll();   // TCP reset: the broker never sees a DISCONNECT
                Poll.until("publisher notices the loss", WAIT, () -> !publisher.connected());

                // a subscriber that connects afterwards finds the Will as the retained status
                try (TestSubscriber sub = TestSubscriber.subscribe(BROKER.get().port(), topics.status())) {
                    Mqtt5Publish will = sub.awaitPayload(topics.status(), t -> t.contains("OFFLINE"), WAIT);
                    assertTrue(will.isRetain());
                    assertEquals("connection lost", json(will).get("reason").asText());
                    assertEquals("edge-will", json(will).get("client_id").asText());
                }
                assertNotNull(publisher.stats().lastError());

                // the client reconnects by itself and announces itself again
                proxy.setAccepting(true);
                Poll.until("publisher reconnected", WAIT, publisher::connected);
                try (TestSubscriber sub = TestSubscriber.subscribe(BROKER.get().port(), topics.status())) {
                    sub.awaitPayload(topics.status(), t -> t.contains("READY"), WAIT);
                }
            }
        }
    }

    @Test
    void lastWillFiresWhenTheBrokerDropsTheClient() throws Exception {
        MqttSettings s = settings("kick", BROKER.get().port());
        Topics topics = Topics.of(s);
        try (TestSubscriber sub = TestSubscriber.subscribe(BROKER.get().port(), topics.status());
             MqttResultPublisher publisher = new MqttResultPublisher(s, () -> StatusSnapshot.ready(new ModelIdentity("m", "1")))) {
            publisher.start();
            sub.awaitPayload(topics.status(), t -> t.contains("READY"), WAIT);
            Poll.until("publisher connected", WAIT, publisher::connected);

            assertTrue(BROKER.get().disconnectClient(s.clientId()));

            // OFFLINE (the Will), then READY again after the automatic reconnect
            Poll.until(WAIT, () -> {
                List<String> seen = statesOf(sub, topics); // one snapshot: the list grows while it is read
                return seen.contains("OFFLINE") && seen.lastIndexOf("READY") > seen.indexOf("OFFLINE");
            }, () -> "OFFLINE then READY, got " + statesOf(sub, topics));
        }
    }

    private static List<String> statesOf(TestSubscriber sub, Topics topics) {
        List<String> states = new ArrayList<>();
        for (Mqtt5Publish p : sub.on(topics.status())) {
            try {
                states.add(json(p).get("state").asText());
            } catch (Exception e) {
                states.add("not JSON: " + utf8(p));
            }
        }
        return states;
    }

    @Test
    void brokerOutageLosesNothingAndReplaysInOrderAsHistorical() throws Exception {
        int n = 50;
        try (TcpProxy proxy = new TcpProxy(BROKER.get().port())) {
            MqttSettings s = settings("outage", proxy.port());
            Topics topics = Topics.of(s);
            try (MqttResultPublisher publisher = new MqttResultPublisher(s, () -> StatusSnapshot.ready(new ModelIdentity("m", "1")))) {
                publisher.start();
                Poll.until("publisher connected", WAIT, publisher::connected);

                BROKER.get().stop();
                Poll.until("publisher notices the outage", WAIT, () -> !publisher.connected());
                for (int i = 0; i < n; i++) {
                    assertTrue(publisher.publishResult(result(i), null), "queued while the broker is down");
                }
                assertEquals(n, publisher.stats().backlog());

                // bring the broker back; hold the publisher off until the subscriber is listening
                proxy.setAccepting(false);
                BROKER.get().start();
                try (TestSubscriber sub = TestSubscriber.subscribe(BROKER.get().port(), topics.result())) {
                    proxy.setAccepting(true);
                    List<Mqtt5Publish> got = sub.await(topics.result(), n, WAIT);
                    assertEquals(n, got.size(), "no duplicates");
                    for (int i = 0; i < n; i++) {
                        Mqtt5Publish p = got.get(i);
                        JsonNode j = json(p);
                        assertEquals(i, j.get("n").asInt(), "in order");
                        assertTrue(j.get("is_historical").asBoolean(), "historical flag in the JSON");
                        assertEquals("true", userProperty(p, "is_historical"));
                        assertEquals(0.12345678901234567, j.get("score").asDouble());
                        assertEquals(MqttQos.AT_LEAST_ONCE, p.getQos());
                    }
                    Poll.until("queue empty", WAIT, () -> publisher.stats().backlog() == 0);
                    assertEquals(n, publisher.stats().published());
                    assertEquals(0, publisher.stats().dropped());

                    // back to live: no flag
                    publisher.publishResult(result(n), null);
                    Mqtt5Publish live = sub.await(topics.result(), n + 1, WAIT).get(n);
                    assertEquals(result(n), utf8(live));
                    assertNull(userProperty(live, "is_historical"));
                }
            }
        }
    }

    @Test
    void resultsInFlightWhenTheConnectionDropsAreSentAgainInOrder() throws Exception {
        int n = 40;
        try (TcpProxy proxy = new TcpProxy(BROKER.get().port())) {
            MqttSettings s = settings("flight", proxy.port());
            Topics topics = Topics.of(s);
            try (TestSubscriber sub = TestSubscriber.subscribe(BROKER.get().port(), topics.result());
                 MqttResultPublisher publisher = new MqttResultPublisher(s, () -> StatusSnapshot.ready(new ModelIdentity("m", "1")))) {
                publisher.start();
                Poll.until("publisher connected", WAIT, publisher::connected);
                long started = System.nanoTime();
                for (int i = 0; i < n; i++) {
                    publisher.publishResult(result(i), null);
                    if (i == n / 2) {
                        proxy.cutAll();   // mid-stream, with a result most likely in flight; reconnects at once
                    }
                }
                Poll.until(WAIT, () -> firstArrivals(sub, topics).size() == n,
                        () -> "all " + n + " results, got " + firstArrivals(sub, topics));
                List<Integer> order = firstArrivals(sub, topics);
                for (int i = 0; i < n; i++) {
                    assertEquals(i, order.get(i), "in order, whatever was sent twice: " + order);
                }
                Poll.until("queue empty", WAIT, () -> publisher.stats().backlog() == 0);
                System.out.printf("in-flight test: %d results across a connection loss in %d ms, %d received%n", n,
                        (System.nanoTime() - started) / 1_000_000, sub.on(topics.result()).size());
            }
        }
    }

    /** The result numbers in the order they first arrived (QoS 1 is at-least-once: a resend may repeat one). */
    private static List<Integer> firstArrivals(TestSubscriber sub, Topics topics) {
        List<Integer> seen = new ArrayList<>();
        for (Mqtt5Publish p : sub.on(topics.result())) {
            int n;
            try {
                n = json(p).get("n").asInt();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            if (!seen.contains(n)) {
                seen.add(n);
            }
        }
        return seen;
    }

    @Test
    void backlogSurvivesAPublisherRestartWhileTheBrokerIsDown() throws Exception {
        int n = 20;
        try (TcpProxy proxy = new TcpProxy(BROKER.get().port())) {
            MqttSettings s = settings("restart", proxy.port());
            Topics topics = Topics.of(s);
            try (MqttResultPublisher first = new MqttResultPublisher(s, () -> StatusSnapshot.ready(new ModelIdentity("m", "1")))) {
                first.start();
                Poll.until("first publisher connected", WAIT, first::connected);
                BROKER.get().stop();
                Poll.until("first publisher notices the outage", WAIT, () -> !first.connected());
                for (int i = 0; i < n; i++) {
                    assertTrue(first.publishResult(result(i), new byte[] {1}));
                }
                assertEquals(n, first.stats().heatmapsSkipped(), "heatmaps are not queued while offline");
            }   // closed with the broker down: the backlog stays on disk

            proxy.setAccepting(false);
            try (MqttResultPublisher second = new MqttResultPublisher(s, () -> StatusSnapshot.ready(new ModelIdentity("m", "2")))) {
                assertEquals(n, second.stats().backlog(), "restored from disk");
                second.start();   // broker still unreachable: must not throw
                BROKER.get().start();
                try (TestSubscriber sub = TestSubscriber.subscribe(BROKER.get().port(), topics.base() + "/#")) {
                    proxy.setAccepting(true);
                    List<Mqtt5Publish> got = sub.await(topics.result(), n, WAIT);
                    for (int i = 0; i < n; i++) {
                        assertEquals(i, json(got.get(i)).get("n").asInt());
                        assertTrue(json(got.get(i)).get("is_historical").asBoolean());
                        assertEquals("true", userProperty(got.get(i), "is_historical"));
                    }
                    sub.awaitPayload(topics.status(), t -> t.contains("\"version\":\"2\""), WAIT);
                    Poll.until("queue empty", WAIT, () -> second.stats().backlog() == 0);
                    assertTrue(second.connected(), "the closed first publisher did not come back and take the session over");
                    assertEquals(n, sub.on(topics.result()).size(), "no duplicates");
                }
            }
        }
    }

    @Test
    void startingWithNoBrokerReachableQueuesAndDeliversLater() throws Exception {
        try (TcpProxy proxy = new TcpProxy(BROKER.get().port())) {
            proxy.setAccepting(false);
            MqttSettings s = settings("late", proxy.port());
            Topics topics = Topics.of(s);
            try (MqttResultPublisher publisher = new MqttResultPublisher(s, () -> StatusSnapshot.ready(new ModelIdentity("m", "1")))) {
                publisher.start();
                for (int i = 0; i < 3; i++) {
                    assertTrue(publisher.publishResult(result(i), null));
                }
                Poll.until("a connection error is reported", WAIT, () -> publisher.stats().lastError() != null);
                assertFalse(publisher.connected());
                assertEquals(3, publisher.stats().backlog());

                try (TestSubscriber sub = TestSubscriber.subscribe(BROKER.get().port(), topics.result())) {
                    proxy.setAccepting(true);
                    List<Mqtt5Publish> got = sub.await(topics.result(), 3, WAIT);
                    for (int i = 0; i < 3; i++) {
                        assertEquals(i, json(got.get(i)).get("n").asInt());
                        assertTrue(json(got.get(i)).get("is_historical").asBoolean());
                    }
                }
            }
        }
    }

    @Test
    void connectsOverTlsWithUserNameAndPassword() throws Exception {
        MqttSettings s = MqttSettings.builder("127.0.0.1", BROKER.get().tlsPort(), queueDir)
                .clientId(EmbeddedBroker.AUTH_CLIENT_PREFIX + "-tls")
                .isa95("plant", "paint", "line7", "tls")
                .tls(true).trustStore(BROKER.get().trustStore(), EmbeddedBroker.STORE_PASSWORD)
                .credentials(EmbeddedBroker.USER, EmbeddedBroker.PASSWORD)
                .reconnectDelay(Duration.ofMillis(50), Duration.ofMillis(300))
                .build();
        Topics topics = Topics.of(s);
        try (TestSubscriber sub = TestSubscriber.subscribe(BROKER.get().port(), topics.result());
             MqttResultPublisher publisher = new MqttResultPublisher(s, () -> StatusSnapshot.ready(new ModelIdentity("m", "1")))) {
            publisher.start();
            Poll.until(WAIT, publisher::connected, () -> "connected over TLS, last error " + publisher.stats().lastError());
            publisher.publishResult(result(1), null);
            assertEquals(result(1), utf8(sub.await(topics.result(), 1, WAIT).get(0)));
        }
    }

    @Test
    void untrustedCertificateOrWrongPasswordKeepResultsQueued(@TempDir Path otherQueue) throws Exception {
        // TLS without our trust store: the JVM's CAs do not know the broker's self-signed certificate
        MqttSettings untrusted = MqttSettings.builder("127.0.0.1", BROKER.get().tlsPort(), queueDir)
                .clientId("edge-untrusted").tls(true)
                .reconnectDelay(Duration.ofMillis(50), Duration.ofMillis(300)).build();
        MqttSettings wrongPassword = MqttSettings.builder("127.0.0.1", BROKER.get().port(), otherQueue)
                .clientId(EmbeddedBroker.AUTH_CLIENT_PREFIX + "-bad").credentials(EmbeddedBroker.USER, "wrong")
                .reconnectDelay(Duration.ofMillis(50), Duration.ofMillis(300)).build();
        try (MqttResultPublisher a = new MqttResultPublisher(untrusted, () -> StatusSnapshot.ready(ModelIdentity.UNKNOWN));
             MqttResultPublisher b = new MqttResultPublisher(wrongPassword, () -> StatusSnapshot.ready(ModelIdentity.UNKNOWN))) {
            a.start();
            b.start();
            assertTrue(a.publishResult(result(1), null));
            assertTrue(b.publishResult(result(1), null));
            Poll.until("TLS failure reported", WAIT, () -> a.stats().lastError() != null);
            Poll.until(WAIT, () -> String.valueOf(b.stats().lastError()).contains("BAD_USER_NAME_OR_PASSWORD"),
                    () -> "login failure reported, got " + b.stats().lastError());
            assertFalse(a.connected());
            assertFalse(b.connected());
            assertEquals(1, a.stats().backlog());
            assertEquals(1, b.stats().backlog());
        }
    }

    @Test
    void refusesWhatIsNotAJsonObjectAndReportsAFullQueue() throws Exception {
        MqttSettings s = MqttSettings.builder("127.0.0.1", 1, queueDir)   // nothing listens on port 1
                .clientId("edge-full").queueMaxMessages(2).dropPolicy(DropPolicy.REJECT_NEW)
                .reconnectDelay(Duration.ofMillis(50), Duration.ofMillis(300)).build();
        try (MqttResultPublisher publisher = new MqttResultPublisher(s, () -> StatusSnapshot.ready(ModelIdentity.UNKNOWN))) {
            publisher.start();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> publisher.publishResult("[1,2]", null));
            assertTrue(e.getMessage().contains("JSON object"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> publisher.publishResult("{not json", null));

            assertTrue(publisher.publishResult(result(0), null));
            assertTrue(publisher.publishResult(result(1), null));
            assertFalse(publisher.publishResult(result(2), null), "REJECT_NEW at the bound");
            MqttPublisherStats stats = publisher.stats();
            assertEquals(2, stats.backlog());
            assertEquals(1, stats.dropped());
            assertTrue(stats.lastError().contains("REJECT_NEW"), stats.lastError());
        }
    }
}
