package dev.anomalyedge.mqtt;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Starts a real embedded HiveMQ broker for a @QuarkusTest and points the appliance at it. */
public class BrokerResource implements QuarkusTestResourceLifecycleManager {
    static EmbeddedBroker broker;
    static Path queueDir;

    @Override
    public Map<String, String> start() {
        try {
            Path root = Files.createTempDirectory("broker-");
            broker = new EmbeddedBroker(root);
            broker.start();
            queueDir = Files.createTempDirectory("appliance-queue-");
            return Map.of("appliance.mqtt.enabled", "true",
                    "appliance.mqtt.host", "127.0.0.1",
                    "appliance.mqtt.port", Integer.toString(broker.port()),
                    "appliance.mqtt.queue.dir", queueDir.toString(),
                    "appliance.mqtt.client-id", "appliance-under-test",
                    "appliance.mqtt.topic-prefix", "plant",
                    "appliance.mqtt.line", "line7",
                    "appliance.mqtt.reconnect-max-delay", "2s",
                    "appliance.mqtt.heatmap.enabled", "true");
        } catch (Exception e) {
            throw new IllegalStateException("embedded broker did not start", e);
        }
    }

    @Override
    public void stop() {
        try {
            if (broker != null) broker.close();
        } catch (Exception ignored) {
            // test JVM is ending
        }
    }
}
