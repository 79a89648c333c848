package dev.anomalyedge.mqtt;

import dev.anomalyedge.util.FileTrees;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * One {@link EmbeddedBroker} per test class: started before the first test, running again before each test (a test
 * may leave it stopped) and, with {@code reset}, back to delivering everything with no recorded packets; closed after
 * the last test. Register it with {@code @RegisterExtension static final BrokerPerClass BROKER = new BrokerPerClass(false);}.
 */
final class BrokerPerClass implements BeforeAllCallback, BeforeEachCallback, AfterAllCallback {
    private final boolean reset;
    private Path root;
    private EmbeddedBroker broker;

    BrokerPerClass(boolean reset) {
        this.reset = reset;
    }

    /** The running broker of this class. */
    EmbeddedBroker get() {
        if (broker == null) throw new IllegalStateException("the broker starts before the first test");
        return broker;
    }

    /**
     * Publisher settings for one test of a class: its own client id and ISA-95 cell (so retained status messages of
     * different tests do not mix) and a fast reconnect; the test adds what it needs.
     */
    static MqttSettings.Builder settings(String clientId, String cell, int port, Path queueDir) {
        return MqttSettings.builder("127.0.0.1", port, queueDir)
                .clientId(clientId)
                .isa95("plant", "paint", "line7", cell)
                .reconnectDelay(Duration.ofMillis(50), Duration.ofMillis(300));
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        root = Files.createTempDirectory("broker-");
        broker = new EmbeddedBroker(root);
        broker.start();
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        broker.start(); // no-op unless a test left it stopped
        if (reset) broker.reset();
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        try {
            if (broker != null) broker.close();
        } finally {
            broker = null;
            FileTrees.deleteTree(root);
        }
    }
}
