package dev.anomalyedge.mqtt;

import dev.anomalyedge.util.FileTrees;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Starts a real embedded HiveMQ broker for a @QuarkusTest and points the appliance at it, publishing plain MQTT results.
 * Subclasses change only {@link #settings} (Sparkplug's resource makes the appliance an edge node instead). One
 * Quarkus application runs at a time, so the broker of the running test is in {@link #broker}.
 */
public class BrokerResource implements QuarkusTestResourceLifecycleManager {
    public static EmbeddedBroker broker;
    public static Path queueDir;

    /** The appliance settings that point it at the broker on {@code port} with its store-and-forward queue in {@code queue}. */
    protected Map<String, String> settings(int port, Path queue) {
        return Map.of("appliance.mqtt.enabled", "true",
                "appliance.mqtt.host", "127.0.0.1",
                "appliance.mqtt.port", Integer.toString(port),
                "appliance.mqtt.queue.dir", queue.toString(),
                "appliance.mqtt.client-id", "appliance-under-test",
                "appliance.mqtt.topic-prefix", "plant",
                "appliance.mqtt.line", "line7",
                "appliance.mqtt.reconnect-max-delay", "2s",
                "appliance.mqtt.heatmap.enabled", "true");
    }

    private Path root; // the broker's data and the appliance's queue (and files beside it, e.g. Sparkplug's bdSeq)

    @Override
    public final Map<String, String> start() {
        try {
            root = Files.createTempDirectory("mqtt-test-");
            broker = new EmbeddedBroker(Files.createDirectory(root.resolve("broker")));
            broker.start();
            queueDir = Files.createDirectory(root.resolve("queue"));
            return settings(broker.port(), queueDir);
        } catch (Exception e) {
            throw new IllegalStateException("embedded broker did not start", e);
        }
    }

    @Override
    public final void stop() {
        try {
            if (broker != null) broker.close();
        } catch (Exception ignored) {
            // test JVM is ending
        }
        try {
            if (root != null) FileTrees.deleteTree(root); // the application has stopped: nothing writes there any more
        } catch (RuntimeException e) {
            System.err.println("[mqtt-test] could not delete " + root + ": " + e);
        }
    }
}
