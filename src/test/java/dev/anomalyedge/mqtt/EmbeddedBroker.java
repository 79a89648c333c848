package dev.anomalyedge.mqtt;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import com.hivemq.embedded.EmbeddedExtension;
import com.hivemq.embedded.EmbeddedHiveMQ;
import com.hivemq.extension.sdk.api.ExtensionMain;
import com.hivemq.extension.sdk.api.async.Async;
import com.hivemq.extension.sdk.api.async.TimeoutFallback;
import com.hivemq.extension.sdk.api.auth.SimpleAuthenticator;
import com.hivemq.extension.sdk.api.auth.parameter.SimpleAuthInput;
import com.hivemq.extension.sdk.api.auth.parameter.SimpleAuthOutput;
import com.hivemq.extension.sdk.api.interceptor.publish.PublishInboundInterceptor;
import com.hivemq.extension.sdk.api.interceptor.publish.parameter.PublishInboundInput;
import com.hivemq.extension.sdk.api.interceptor.publish.parameter.PublishInboundOutput;
import com.hivemq.extension.sdk.api.packets.connect.ConnackReasonCode;
import com.hivemq.extension.sdk.api.packets.publish.AckReasonCode;
import com.hivemq.extension.sdk.api.packets.publish.PublishPacket;
import com.hivemq.extension.sdk.api.parameter.ExtensionStartInput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStartOutput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStopInput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStopOutput;
import com.hivemq.extension.sdk.api.services.Services;

/**
 * A real HiveMQ CE broker inside the test JVM, on 127.0.0.1 and a port chosen once, so it can be stopped and
 * started again on the same port and data folder (in-memory persistence: retained messages do not survive a stop).
 * A second listener speaks TLS with a self-signed certificate for 127.0.0.1. An embedded extension gives the test
 * the broker's client service (to drop a client from the broker side), checks user name and password of the
 * clients whose id starts with {@link #AUTH_CLIENT_PREFIX}, records every PUBLISH packet the broker receives
 * ({@link #inbound()}) and lets a test answer them through a {@link PublishRule}: deliver, refuse with a PUBACK
 * reason code, or hold the PUBACK back for a while. Extra {@code <mqtt>} configuration (e.g. a maximum packet size)
 * can be given and changed between a stop and a start.
 */
public final class EmbeddedBroker implements AutoCloseable {

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
    private final List<Inbound> inbound = new CopyOnWriteArrayList<>();
    private volatile PublishRule rule = PublishRule.DELIVER;
    private final PublishInboundInterceptor interceptor = this::onInboundPublish;

    /** One PUBLISH packet as the broker received it; {@code seq} is the user property of that name, or null. */
    public record Inbound(String clientId, String topic, int packetId, boolean dup, String seq, String payload) { }

    /** What the broker does with an incoming PUBLISH: deliver it, refuse it with a reason code, or delay the PUBACK. */
    record Answer(AckReasonCode refuse, Duration hold) {
        static final Answer DELIVER = new Answer(null, null);

        static Answer refuse(AckReasonCode code) {
            return new Answer(code, null);
        }

        static Answer hold(Duration delay) {
            return new Answer(null, delay);
        }
    }

    @FunctionalInterface
    interface PublishRule {
        PublishRule DELIVER = p -> Answer.DELIVER;

        Answer answer(Inbound publish);
    }

    public EmbeddedBroker(Path root) throws IOException, InterruptedException {
        this(root, "");
    }

    /** @param mqttConfig the content of the config's {@code <mqtt>} element, e.g. a packet size limit; "" for none */
    EmbeddedBroker(Path root, String mqttConfig) throws IOException, InterruptedException {
        configFolder = Files.createDirectories(root.resolve("conf"));
        dataFolder = Files.createDirectories(root.resolve("data"));
        extensionsFolder = Files.createDirectories(root.resolve("extensions"));
        keyStore = root.resolve("broker.p12");
        trustStore = root.resolve("trust.p12");
        makeSelfSignedCertificate(root.resolve("broker.crt"));
        port = freePort();
        tlsPort = freePort();
        writeConfig(mqttConfig);
    }

    /** Rewrites the configuration; it takes effect at the next {@link #start()}. */
    void writeConfig(String mqttConfig) throws IOException {
        Files.writeString(configFolder.resolve("config.xml"), """
                <?xml version="1.0"?>
                <hivemq>
                  <listeners>
                    <tcp-listener><port>%d</port><bind-address>127.0.0.1</bind-address></tcp-listener>
                    <tls-tcp-listener><port>%d</port><bind-address>127.0.0.1</bind-address>
                      <tls><keystore><path>%s</path><password>%s</password><private-key-password>%s</private-key-password></keystore></tls>
                    </tls-tcp-listener>
                  </listeners>
                  <mqtt>%s</mqtt>
                  <persistence><mode>in-memory</mode></persistence>
                  <anonymous-usage-statistics><enabled>false</enabled></anonymous-usage-statistics>
                </hivemq>
                """.formatted(port, tlsPort, keyStore.toAbsolutePath(), STORE_PASSWORD, STORE_PASSWORD, mqttConfig));
    }

    /** Every PUBLISH the broker received since the last {@link #reset()}, in arrival order. */
    List<Inbound> inbound() {
        return List.copyOf(inbound);
    }

    /** The PUBLISH packets received from one client on one topic. */
    public List<Inbound> inbound(String clientId, String topic) {
        return inbound.stream().filter(p -> p.clientId().equals(clientId) && p.topic().equals(topic)).toList();
    }

    void setRule(PublishRule rule) {
        this.rule = rule;
    }

    /** Back to delivering everything, and forgets the recorded packets. */
    void reset() {
        rule = PublishRule.DELIVER;
        inbound.clear();
    }

    private void onInboundPublish(PublishInboundInput in, PublishInboundOutput out) {
        PublishPacket p = in.getPublishPacket();
        String payload = p.getPayload().map(b -> StandardCharsets.UTF_8.decode(b.duplicate()).toString()).orElse("");
        Inbound record = new Inbound(in.getClientInformation().getClientId(), p.getTopic(), p.getPacketId(),
                p.getDupFlag(), p.getUserProperties().getFirst("seq").orElse(null), payload);
        inbound.add(record);
        Answer answer = rule.answer(record);
        if (answer.refuse() != null) {
            out.preventPublishDelivery(answer.refuse(), "refused by the test rule");
        } else if (answer.hold() != null) {
            Async<PublishInboundOutput> async = out.async(answer.hold().plusSeconds(30), TimeoutFallback.SUCCESS);
            CompletableFuture.delayedExecutor(answer.hold().toMillis(), TimeUnit.MILLISECONDS).execute(async::resume);
        }
    }

    /** Plain MQTT port. */
    public int port() {
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

    public synchronized void start() {
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
                        Services.initializerRegistry().setClientInitializer(
                                (input, context) -> context.addPublishInboundInterceptor(interceptor));
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
    public boolean disconnectClient(String clientId) throws Exception {
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
