package dev.anomalyedge.sparkplug;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import dev.anomalyedge.mqtt.EmbeddedBroker;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Starts a real embedded broker for a @QuarkusTest and makes the appliance a Sparkplug edge node on it, with the plain
 * MQTT publisher off (Sparkplug needs only the broker settings of {@code appliance.mqtt.*}).
 */
public class SparkplugBrokerResource implements QuarkusTestResourceLifecycleManager {
    static EmbeddedBroker broker;
    static Path queueDir;

    @Override
    public Map<String, String> start() {
        try {
            broker = new EmbeddedBroker(Files.createTempDirectory("broker-"));
            broker.start();
            queueDir = Files.createTempDirectory("appliance-queue-");
            return Map.of("appliance.mqtt.enabled", "false",
                    "appliance.mqtt.host", "127.0.0.1",
                    "appliance.mqtt.port", Integer.toString(broker.port()),
                    "appliance.mqtt.queue.dir", queueDir.toString(),
                    "appliance.mqtt.client-id", "appliance-under-test",
                    "appliance.sparkplug.enabled", "true",
                    "appliance.sparkplug.group-id", "plant",
                    "appliance.sparkplug.edge-node-id", "line7",
                    "appliance.sparkplug.device-id", "cam1");
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
