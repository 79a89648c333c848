package dev.anomalyedge.mqtt;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import com.hivemq.embedded.EmbeddedExtension;
import com.hivemq.embedded.EmbeddedHiveMQ;
import com.hivemq.extension.sdk.api.ExtensionMain;
import com.hivemq.extension.sdk.api.parameter.ExtensionStartInput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStartOutput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStopInput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStopOutput;
import com.hivemq.extension.sdk.api.services.Services;

/**
 * A real HiveMQ CE broker inside the test JVM, on 127.0.0.1 and a port chosen once, so it can be stopped and
 * started again on the same port and data folder (in-memory persistence: retained messages do not survive a stop).
 * An embedded extension gives the test the broker's client service, to drop a client from the broker side.
 */
final class EmbeddedBroker implements AutoCloseable {

    private final Path configFolder;
    private final Path dataFolder;
    private final Path extensionsFolder;
    private final int port;
    private EmbeddedHiveMQ hivemq;

    EmbeddedBroker(Path root) throws IOException {
        configFolder = Files.createDirectories(root.resolve("conf"));
        dataFolder = Files.createDirectories(root.resolve("data"));
        extensionsFolder = Files.createDirectories(root.resolve("extensions"));
        port = freePort();
        Files.writeString(configFolder.resolve("config.xml"), """
                <?xml version="1.0"?>
                <hivemq>
                  <listeners><tcp-listener><port>%d</port><bind-address>127.0.0.1</bind-address></tcp-listener></listeners>
                  <persistence><mode>in-memory</mode></persistence>
                  <anonymous-usage-statistics><enabled>false</enabled></anonymous-usage-statistics>
                </hivemq>
                """.formatted(port));
    }

    int port() {
        return port;
    }

    synchronized void start() {
        if (hivemq != null) {
            return;
        }
        EmbeddedExtension extension = EmbeddedExtension.builder()
                .withId("test-hooks").withName("test hooks").withVersion("1").withAuthor("tests")
                .withPriority(0).withStartPriority(0)
                .withExtensionMain(new ExtensionMain() {
                    @Override public void extensionStart(ExtensionStartInput in, ExtensionStartOutput out) { }
                    @Override public void extensionStop(ExtensionStopInput in, ExtensionStopOutput out) { }
                })
                .build();
        hivemq = EmbeddedHiveMQ.builder()
                .withConfigurationFolder(configFolder)
                .withDataFolder(dataFolder)
                .withExtensionsFolder(extensionsFolder)
                .withEmbeddedExtension(extension)
                .withoutLoggingBootstrap()
                .build();
        hivemq.start().join();
    }

    synchronized void stop() throws Exception {
        if (hivemq == null) {
            return;
        }
        hivemq.stop().join();
        hivemq.close();
        hivemq = null;
    }

    /** Drops a client from the broker side without preventing its Will (like a broker-side timeout or kick). */
    boolean disconnectClient(String clientId) throws Exception {
        return Services.clientService().disconnectClient(clientId, false).get(5, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws Exception {
        stop();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }
}
