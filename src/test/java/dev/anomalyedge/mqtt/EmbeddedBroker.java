package dev.anomalyedge.mqtt;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.hivemq.embedded.EmbeddedExtension;
import com.hivemq.embedded.EmbeddedHiveMQ;
import com.hivemq.extension.sdk.api.ExtensionMain;
import com.hivemq.extension.sdk.api.auth.SimpleAuthenticator;
import com.hivemq.extension.sdk.api.auth.parameter.SimpleAuthInput;
import com.hivemq.extension.sdk.api.auth.parameter.SimpleAuthOutput;
import com.hivemq.extension.sdk.api.packets.connect.ConnackReasonCode;
import com.hivemq.extension.sdk.api.parameter.ExtensionStartInput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStartOutput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStopInput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStopOutput;
import com.hivemq.extension.sdk.api.services.Services;

/**
 * A real HiveMQ CE broker inside the test JVM, on 127.0.0.1 and a port chosen once, so it can be stopped and
 * started again on the same port and data folder (in-memory persistence: retained messages do not survive a stop).
 * A second listener speaks TLS with a self-signed certificate for 127.0.0.1. An embedded extension gives the test
 * the broker's client service (to drop a client from the broker side) and checks user name and password of the
 * clients whose id starts with {@link #AUTH_CLIENT_PREFIX}.
 */
final class EmbeddedBroker implements AutoCloseable {

    /** Client ids starting with this must log in with {@link #USER} / {@link #PASSWORD}; everyone else is let in. */
    static final String AUTH_CLIENT_PREFIX = "edge-auth";
    static final String USER = "plc";
    static final String PASSWORD = "s3cret";
    static final String STORE_PASSWORD = "changeit";

    private final Path configFolder;
    private final Path dataFolder;
    private final Path extensionsFolder;
    private final Path keyStore;
    private final Path trustStore;
    private final int port;
    private final int tlsPort;
    private EmbeddedHiveMQ hivemq;

    EmbeddedBroker(Path root) throws IOException, InterruptedException {
        configFolder = Files.createDirectories(root.resolve("conf"));
        dataFolder = Files.createDirectories(root.resolve("data"));
        extensionsFolder = Files.createDirectories(root.resolve("extensions"));
        keyStore = root.resolve("broker.p12");
        trustStore = root.resolve("trust.p12");
        makeSelfSignedCertificate(root.resolve("broker.crt"));
        port = freePort();
        tlsPort = freePort();
        Files.writeString(configFolder.resolve("config.xml"), """
                <?xml version="1.0"?>
                <hivemq>
                  <listeners>
                    <tcp-listener><port>%d</port><bind-address>127.0.0.1</bind-address></tcp-listener>
                    <tls-tcp-listener><port>%d</port><bind-address>127.0.0.1</bind-address>
                      <tls><keystore><path>%s</path><password>%s</password><private-key-password>%s</private-key-password></keystore></tls>
                    </tls-tcp-listener>
                  </listeners>
                  <persistence><mode>in-memory</mode></persistence>
                  <anonymous-usage-statistics><enabled>false</enabled></anonymous-usage-statistics>
                </hivemq>
                """.formatted(port, tlsPort, keyStore.toAbsolutePath(), STORE_PASSWORD, STORE_PASSWORD));
    }

    /** Plain MQTT port. */
    int port() {
        return port;
    }

    /** MQTT over TLS port; its certificate (CN and SAN 127.0.0.1) is the only entry of {@link #trustStore()}. */
    int tlsPort() {
        return tlsPort;
    }

    Path trustStore() {
        return trustStore;
    }

    /** A key pair for the broker and a trust store holding only its certificate, made with the JDK's keytool. */
    private void makeSelfSignedCertificate(Path certificate) throws IOException, InterruptedException {
        keytool("-genkeypair", "-alias", "broker", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=127.0.0.1",
                "-ext", "SAN=ip:127.0.0.1", "-validity", "2", "-storetype", "PKCS12", "-keystore", keyStore.toString(),
                "-storepass", STORE_PASSWORD, "-keypass", STORE_PASSWORD);
        keytool("-exportcert", "-alias", "broker", "-keystore", keyStore.toString(), "-storepass", STORE_PASSWORD,
                "-file", certificate.toString());
        keytool("-importcert", "-noprompt", "-alias", "broker", "-file", certificate.toString(), "-storetype", "PKCS12",
                "-keystore", trustStore.toString(), "-storepass", STORE_PASSWORD);
    }

    private static void keytool(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IOException("keytool " + String.join(" ", args) + " failed: " + output);
        }
    }

    synchronized void start() {
        if (hivemq != null) {
            return;
        }
        EmbeddedExtension extension = EmbeddedExtension.builder()
                .withId("test-hooks").withName("test hooks").withVersion("1").withAuthor("tests")
                .withPriority(0).withStartPriority(0)
                .withExtensionMain(new ExtensionMain() {
                    @Override
                    public void extensionStart(ExtensionStartInput in, ExtensionStartOutput out) {
                        Services.securityRegistry().setAuthenticatorProvider(input -> (SimpleAuthenticator) EmbeddedBroker::authenticate);
                    }

                    @Override
                    public void extensionStop(ExtensionStopInput in, ExtensionStopOutput out) { }
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

    private static void authenticate(SimpleAuthInput in, SimpleAuthOutput out) {
        if (!in.getClientInformation().getClientId().startsWith(AUTH_CLIENT_PREFIX)) {
            out.authenticateSuccessfully();
            return;
        }
        boolean userOk = in.getConnectPacket().getUserName().map(USER::equals).orElse(false);
        boolean passwordOk = in.getConnectPacket().getPassword()
                .map(b -> StandardCharsets.UTF_8.decode(b.duplicate()).toString().equals(PASSWORD)).orElse(false);
        if (userOk && passwordOk) {
            out.authenticateSuccessfully();
        } else {
            out.failAuthentication(ConnackReasonCode.BAD_USER_NAME_OR_PASSWORD, "wrong user name or password");
        }
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
