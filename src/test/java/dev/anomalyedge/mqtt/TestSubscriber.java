package dev.anomalyedge.mqtt;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;

/** A plain MQTT 5 subscriber that records every message it receives (retained ones included). */
public final class TestSubscriber implements AutoCloseable {

    private final Mqtt5AsyncClient client;
    private final List<Mqtt5Publish> received = new CopyOnWriteArrayList<>();

    private TestSubscriber(int port, String filter) throws Exception {
        client = MqttClient.builder().useMqttVersion5().identifier("test-sub-" + UUID.randomUUID())
                .serverHost("127.0.0.1").serverPort(port).buildAsync();
        client.connectWith().cleanStart(true).send().get(10, TimeUnit.SECONDS);
        client.subscribeWith().topicFilter(filter).qos(MqttQos.AT_LEAST_ONCE).callback(received::add)
                .send().get(10, TimeUnit.SECONDS);
    }

    public static TestSubscriber subscribe(int port, String filter) throws Exception {
        return new TestSubscriber(port, filter);
    }

    public List<Mqtt5Publish> on(String topic) {
        return received.stream().filter(p -> p.getTopic().toString().equals(topic)).toList();
    }

    /** Waits until {@code count} messages arrived on {@code topic} and returns them in arrival order. */
    public List<Mqtt5Publish> await(String topic, int count, Duration timeout) {
        Poll.until(timeout, () -> on(topic).size() >= count,
                () -> count + " message(s) on " + topic + ", got " + on(topic).size());
        return on(topic);
    }

    /** Waits for a message on {@code topic} whose UTF-8 payload matches. */
    Mqtt5Publish awaitPayload(String topic, Predicate<String> payload, Duration timeout) {
        Poll.until(timeout, () -> on(topic).stream().anyMatch(p -> payload.test(utf8(p))),
                () -> "a matching message on " + topic + ", got " + on(topic).stream().map(TestSubscriber::utf8).toList());
        return on(topic).stream().filter(p -> payload.test(utf8(p))).findFirst().orElseThrow();
    }

    static String utf8(Mqtt5Publish p) {
        return new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8);
    }

    static String userProperty(Mqtt5Publish p, String name) {
        return p.getUserProperties().asList().stream()
                .filter(u -> u.getName().toString().equals(name))
                .map(u -> u.getValue().toString())
                .findFirst().orElse(null);
    }

    @Override
    public void close() {
        try {
            client.disconnect().get(5, TimeUnit.SECONDS);
        } catch (Exception ignored) {
            // broker already gone
        }
    }
}
