package dev.anomalyedge.mqtt;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import javax.net.ssl.TrustManagerFactory;

import org.jboss.logging.Logger;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttClientSslConfig;
import com.hivemq.client.mqtt.MqttClientSslConfigBuilder;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.lifecycle.MqttClientConnectedContext;
import com.hivemq.client.mqtt.lifecycle.MqttClientDisconnectedContext;
import com.hivemq.client.mqtt.lifecycle.MqttClientReconnector;
import com.hivemq.client.mqtt.lifecycle.MqttDisconnectSource;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5ClientBuilder;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubRecException;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PayloadFormatIndicator;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishBuilder;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;

/**
 * Publishes inspection results to the plant's MQTT broker without losing any, across broker outages and restarts
 * of the appliance.
 *
 * <p><b>Results</b> ({@link #publishResult}) are first appended to the disk-backed {@link StoreAndForwardQueue}
 * (fsync'd), then one drainer thread sends the queue strictly in order, one message in flight at a time, at
 * {@code resultQos}, and removes a message only after the broker's PUBACK (PUBCOMP at QoS 2). While the broker is
 * unreachable results stay on disk (bounded by the queue's bytes/messages and drop policy). Every result carries the
 * MQTT 5 user property {@code seq} (its queue sequence, for gap detection). A result queued before the current
 * connection came up (while offline, or restored from disk after a restart) is <em>historical</em>: it carries the
 * user property {@code is_historical=true} and the field {@code "is_historical": true} in its JSON (Sparkplug's
 * store-and-forward convention); live results are sent byte for byte as given. Delivery is at-least-once: a result
 * whose PUBACK was lost with the connection is sent again. A result the broker refuses with an error reason code
 * (e.g. not authorized) cannot succeed by retrying; it is removed, logged and counted in
 * {@link MqttPublisherStats#rejected()} so it does not block the results behind it.
 *
 * <p><b>Heatmaps</b> (when enabled) are best-effort and are <em>not</em> queued: they go to {@code …/heatmap} at
 * {@code heatmapQos} right away if connected and are skipped (counted) otherwise. They are large (tens to hundreds
 * of kB against a few hundred bytes per result), so queueing them would let them push results out of the bounded
 * queue, and a heatmap hours late is of little use on the line. Each carries the user property {@code result_seq}
 * naming its result's {@code seq}.
 *
 * <p><b>Status</b>: the connection's Last Will is {@code {"state":"offline",…}}, retained, QoS 1, on
 * {@code …/status}. On every (re)connect the drainer first publishes the retained birth
 * {@code {"state":"online","model":…,"version":…,"timestamp":…}} with the model callback's current answer;
 * {@link #publishStatus()} re-publishes it after a model swap. {@link #close()} publishes a retained offline status
 * (reason {@code shutdown}) before a normal DISCONNECT, which does not trigger the Will.
 *
 * <p>The client uses MQTT 5 with clean start and session expiry 0 (no broker-side session: store-and-forward is the
 * edge's job), automatic reconnect with exponential back-off between the configured delays (the client adds
 * ±25 % jitter), optional TLS and user name / password.
 */
public final class MqttResultPublisher implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(MqttResultPublisher.class);

    static final String HISTORICAL_PROPERTY = "is_historical";
    static final String SEQ_PROPERTY = "seq";
    static final String RESULT_SEQ_PROPERTY = "result_seq";
    private static final long ACK_TIMEOUT_S = 30;
    private static final long CLOSE_TIMEOUT_S = 5;

    private final MqttSettings settings;
    private final Topics topics;
    private final Supplier<ModelIdentity> model;
    private final StoreAndForwardQueue queue;
    private final Mqtt5AsyncClient client;
    private final Thread drainer;
    private final Semaphore wakeup = new Semaphore(0);

    /** Sequences below this were queued before the current connection came up; null while disconnected. */
    private volatile Long firstLiveSeq;
    private final AtomicBoolean statusDue = new AtomicBoolean();
    private volatile CompletableFuture<Mqtt5PublishResult> inFlight;
    private volatile boolean started;
    private volatile boolean closing;
    private volatile boolean reportedDown;

    private final AtomicLong published = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong heatmapsPublished = new AtomicLong();
    private final AtomicLong heatmapsSkipped = new AtomicLong();
    private final AtomicReference<String> lastError = new AtomicReference<>();

    /**
     * Opens the store-and-forward queue of {@code settings.queueDir()} (restoring its backlog) and builds the
     * client; nothing is sent before {@link #start()}.
     *
     * @param model called for every online status; a model swap followed by {@link #publishStatus()} announces
     *              the new model
     * @throws IllegalArgumentException if the TLS trust store cannot be loaded
     * @throws IllegalStateException    if the queue folder is in use by another publisher
     */
    public MqttResultPublisher(MqttSettings settings, Supplier<ModelIdentity> model) {
        this.settings = settings;
        this.topics = Topics.of(settings);
        this.model = model;
        MqttClientSslConfig ssl = settings.tls() ? sslConfig(settings) : null;   // fails before opening anything
        this.queue = StoreAndForwardQueue.open(settings);
        try {
            this.client = buildClient(settings, ssl);
        } catch (RuntimeException e) {
            queue.close();
            throw e;
        }
        this.drainer = new Thread(this::drain, "mqtt-drainer-" + settings.clientId());
        this.drainer.setDaemon(true);
    }

    /**
     * Starts connecting (in the background) and sending the backlog. Never fails for an unreachable broker: the
     * client keeps retrying with back-off while results queue on disk.
     */
    public synchronized void start() {
        if (started || closing) {
            return;
        }
        started = true;
        drainer.start();
        client.connectWith()
                .cleanStart(true)
                .sessionExpiryInterval(0)
                .keepAlive(30)
                .send()
                .whenComplete((ack, error) -> {
                    if (error != null) {
                        // the automatic reconnect keeps trying; the disconnected listener logs it
                        LOG.debugf("first MQTT connect to %s:%d failed: %s", settings.host(), settings.port(), error.toString());
                    }
                });
    }

    /**
     * Queues one result (a JSON object) for delivery to {@code …/result}, and sends its heatmap PNG to
     * {@code …/heatmap} if heatmaps are enabled and the connection is up.
     *
     * @return true if the result is safely on disk; false if the queue refused it ({@link DropPolicy#REJECT_NEW} at
     *         its bound) or the disk failed (both logged, and reported in {@link #stats()})
     * @throws IllegalArgumentException if {@code json} is not a JSON object
     */
    public boolean publishResult(String json, byte[] heatmapPngOrNull) {
        Payloads.requireJsonObject(json);
        long seq;
        try {
            seq = queue.append(QueuedMessage.of(topics.result(), json.getBytes(StandardCharsets.UTF_8),
                    settings.resultQos(), false));
        } catch (QueueFullException e) {
            lastError.set(e.getMessage());   // the queue logs it
            return false;
        } catch (UncheckedIOException | IllegalStateException e) {
            lastError.set(e.getMessage());
            LOG.errorf("MQTT result not queued: %s", e.getMessage());
            return false;
        }
        wakeup.release();
        if (heatmapPngOrNull != null && settings.heatmapEnabled()) {
            publishHeatmap(heatmapPngOrNull, seq);
        }
        return true;
    }

    /** Re-publishes the retained online status (e.g. after a model swap); sent on the next connect if offline. */
    public void publishStatus() {
        statusDue.set(true);
        wakeup.release();
    }

    public boolean connected() {
        return firstLiveSeq != null;
    }

    public MqttPublisherStats stats() {
        return new MqttPublisherStats(connected(), published.get(), queue.size(), queue.bytes(), queue.dropped(),
                rejected.get(), heatmapsPublished.get(), heatmapsSkipped.get(), lastError.get());
    }

    public Topics topics() {
        return topics;
    }

    /**
     * Stops sending, publishes a retained offline status if connected, disconnects (and stops reconnecting) and
     * closes the queue. Unsent results stay on disk for the next publisher on the same folder.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closing) {
                return;
            }
            closing = true;
        }
        wakeup.release();
        if (started) {
            joinDrainer();
            if (connected()) {
                try {
                    client.publishWith().topic(topics.status()).qos(MqttQos.AT_LEAST_ONCE).retain(true)
                            .payload(Payloads.offline(settings.clientId(), "shutdown", Instant.now()))
                            .contentType("application/json").payloadFormatIndicator(Mqtt5PayloadFormatIndicator.UTF_8)
                            .send().get(CLOSE_TIMEOUT_S, TimeUnit.SECONDS);
                } catch (Exception e) {
                    LOG.debugf("offline status not sent on close: %s", e.toString());
                }
            }
            try {
                // a normal DISCONNECT (no Will); while the client waits to reconnect this fails with "not
                // connected" and the gate set up in onDisconnected ends the reconnect loop instead
                client.disconnect().get(CLOSE_TIMEOUT_S, TimeUnit.SECONDS);
            } catch (Exception e) {
                LOG.debugf("MQTT disconnect on close: %s", e.toString());
            }
        }
        queue.close();
    }

    // ---------------------------------------------------------------- drainer

    private void drain() {
        while (!closing) {
            try {
                drainOnce();
            } catch (RuntimeException e) {
                if (closing) {
                    return;   // e.g. the queue was closed under us; unsent results stay on disk
                }
                // keep the one sender alive whatever happens; the message stays queued
                lastError.set("MQTT drainer: " + e);
                LOG.errorf(e, "MQTT drainer failed; retrying");
                awaitWakeup(1000);
            }
        }
    }

    /** One step: the online status if due, else the oldest queued result, else a short wait. */
    private void drainOnce() {
        Long liveFrom = firstLiveSeq;
        if (liveFrom == null) {
            awaitWakeup(1000);   // woken by the connected listener
            return;
        }
        if (statusDue.getAndSet(false)) {
            if (send(onlineStatus(), "online status") != Outcome.ACKED) {
                statusDue.set(true);
                awaitWakeup(settings.reconnectMinDelay().toMillis());
            }
            return;
        }
        Optional<QueuedMessage> head = queue.peek();
        if (head.isEmpty()) {
            awaitWakeup(1000);   // woken by publishResult
            return;
        }
        QueuedMessage m = head.get();
        Mqtt5Publish publish;
        try {
            publish = resultPublish(m, m.sequence() < liveFrom);
        } catch (RuntimeException e) {
            // e.g. a topic the client refuses: retrying cannot help
            LOG.errorf("result %d cannot be sent (%s); removing it from the queue", m.sequence(), e.toString());
            lastError.set("result " + m.sequence() + " cannot be sent: " + e);
            rejected.incrementAndGet();
            queue.acknowledge(m.sequence());
            return;
        }
        Outcome outcome = send(publish, "result " + m.sequence());
        if (outcome == Outcome.FAILED) {
            awaitWakeup(settings.reconnectMinDelay().toMillis());   // wait for the reconnect, or retry shortly
            return;
        }
        (outcome == Outcome.ACKED ? published : rejected).incrementAndGet();   // counted first: backlog 0 implies counted
        queue.acknowledge(m.sequence());
    }

    private enum Outcome { ACKED, REJECTED, FAILED }

    private Outcome send(Mqtt5Publish publish, String what) {
        CompletableFuture<Mqtt5PublishResult> future = client.publish(publish);
        inFlight = future;
        try {
            Mqtt5PublishResult result = future.get(ACK_TIMEOUT_S, TimeUnit.SECONDS);
            if (result.getError().isPresent()) {
                return failure(what, result.getError().get());
            }
            return Outcome.ACKED;
        } catch (ExecutionException e) {
            return failure(what, e.getCause());
        } catch (TimeoutException e) {
            lastError.set("no acknowledgement for " + what + " within " + ACK_TIMEOUT_S + " s; sending it again");
            return Outcome.FAILED;
        } catch (CancellationException e) {
            return Outcome.FAILED;   // close() gave up waiting
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Outcome.FAILED;
        } finally {
            inFlight = null;
        }
    }

    private Outcome failure(String what, Throwable error) {
        String text = what + " not delivered: " + error;
        lastError.set(text);
        if (error instanceof Mqtt5PubAckException || error instanceof Mqtt5PubRecException) {
            LOG.warnf("MQTT broker refused %s; removing it from the queue: %s", what, error.getMessage());
            return Outcome.REJECTED;
        }
        LOG.debugf("%s (will retry)", text);
        return Outcome.FAILED;
    }

    private void awaitWakeup(long millis) {
        try {
            if (wakeup.tryAcquire(Math.max(1, millis), TimeUnit.MILLISECONDS)) {
                wakeup.drainPermits();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void joinDrainer() {
        try {
            drainer.join(TimeUnit.SECONDS.toMillis(CLOSE_TIMEOUT_S));
            CompletableFuture<Mqtt5PublishResult> pending = inFlight;
            if (drainer.isAlive() && pending != null) {
                pending.cancel(false);   // the result stays queued and is sent again by the next publisher
                drainer.join(TimeUnit.SECONDS.toMillis(CLOSE_TIMEOUT_S));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---------------------------------------------------------------- messages

    private Mqtt5Publish resultPublish(QueuedMessage m, boolean historical) {
        Mqtt5PublishBuilder.Complete b = Mqtt5Publish.builder()
                .topic(m.topic())
                .qos(MqttQos.fromCode(m.qos()))
                .retain(m.retain())
                .payload(historical ? Payloads.markHistorical(m.payload()) : m.payload())
                .contentType("application/json")
                .payloadFormatIndicator(Mqtt5PayloadFormatIndicator.UTF_8);
        var props = b.userProperties().add(SEQ_PROPERTY, Long.toString(m.sequence()));
        if (historical) {
            props.add(HISTORICAL_PROPERTY, "true");
        }
        return props.applyUserProperties().build();
    }

    private Mqtt5Publish onlineStatus() {
        ModelIdentity identity;
        try {
            identity = model.get();
        } catch (RuntimeException e) {
            LOG.warnf("model callback failed for the MQTT status: %s", e.toString());
            identity = null;
        }
        if (identity == null) {
            identity = ModelIdentity.UNKNOWN;
        }
        return Mqtt5Publish.builder().topic(topics.status()).qos(MqttQos.AT_LEAST_ONCE).retain(true)
                .payload(Payloads.online(identity, settings.clientId(), Instant.now()))
                .contentType("application/json").payloadFormatIndicator(Mqtt5PayloadFormatIndicator.UTF_8)
                .build();
    }

    private void publishHeatmap(byte[] png, long resultSeq) {
        if (!connected()) {
            heatmapsSkipped.incrementAndGet();
            return;
        }
        client.publishWith().topic(topics.heatmap()).qos(MqttQos.fromCode(settings.heatmapQos())).payload(png)
                .contentType("image/png")
                .userProperties().add(RESULT_SEQ_PROPERTY, Long.toString(resultSeq)).applyUserProperties()
                .send()
                .whenComplete((r, e) -> {
                    Throwable error = e != null ? e : r.getError().orElse(null);
                    if (error == null) {
                        heatmapsPublished.incrementAndGet();
                    } else {
                        heatmapsSkipped.incrementAndGet();
                        LOG.debugf("heatmap for result %d not delivered: %s", resultSeq, error.toString());
                    }
                });
    }

    // ---------------------------------------------------------------- client

    private Mqtt5AsyncClient buildClient(MqttSettings s, MqttClientSslConfig ssl) {
        Mqtt5ClientBuilder b = MqttClient.builder()
                .useMqttVersion5()
                .identifier(s.clientId())
                .serverHost(s.host())
                .serverPort(s.port())
                .automaticReconnect()
                    .initialDelay(s.reconnectMinDelay().toMillis(), TimeUnit.MILLISECONDS)
                    .maxDelay(s.reconnectMaxDelay().toMillis(), TimeUnit.MILLISECONDS)
                    .applyAutomaticReconnect()
                .addConnectedListener(this::onConnected)
                .addDisconnectedListener(this::onDisconnected)
                .willPublish()
                    .topic(topics.status())
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .retain(true)
                    .payload(Payloads.offline(s.clientId(), "connection lost", null))
                    .contentType("application/json")
                    .payloadFormatIndicator(Mqtt5PayloadFormatIndicator.UTF_8)
                    .applyWillPublish();
        if (ssl != null) {
            b = b.sslConfig(ssl);
        }
        if (s.username().isPresent()) {
            var auth = b.simpleAuth().username(s.username().get());
            if (s.password().isPresent()) {
                auth = auth.password(s.password().get().getBytes(StandardCharsets.UTF_8));
            }
            b = auth.applySimpleAuth();
        }
        return b.buildAsync();
    }

    private static MqttClientSslConfig sslConfig(MqttSettings s) {
        MqttClientSslConfigBuilder ssl = MqttClientSslConfig.builder();
        if (s.trustStorePath().isPresent()) {
            File file = s.trustStorePath().get().toFile();
            char[] password = s.trustStorePassword().map(String::toCharArray).orElse(null);
            try {
                KeyStore store = KeyStore.getInstance(file, password);
                TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(store);
                ssl = ssl.trustManagerFactory(tmf);
            } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
                // IllegalArgumentException: KeyStore.getInstance(File, …) for a missing or non-regular file
                throw new IllegalArgumentException("cannot load mqtt.trust-store-path " + file + ": " + e.getMessage(), e);
            }
        }
        return ssl.build();
    }

    private void onConnected(MqttClientConnectedContext context) {
        if (closing) {
            client.disconnect();   // a reconnect that raced with close()
            return;
        }
        firstLiveSeq = queue.nextSequence();
        statusDue.set(true);
        lastError.set(null);
        if (reportedDown) {
            LOG.infof("MQTT connection to %s:%d restored; %d queued result(s) to send", settings.host(),
                    settings.port(), queue.size());
        } else {
            LOG.infof("MQTT connected to %s:%d as %s", settings.host(), settings.port(), settings.clientId());
        }
        reportedDown = false;
        wakeup.release();
    }

    /*
     * The client's disconnect() fails with "not connected" while the client waits to reconnect, so close() cannot
     * end the reconnect loop that way; a closed publisher that reconnected later would take the session (same
     * client id) from its successor. Instead every scheduled reconnect passes a gate that cancels it once closing.
     */
    private void onDisconnected(MqttClientDisconnectedContext context) {
        firstLiveSeq = null;
        MqttClientReconnector reconnector = context.getReconnector();
        if (closing) {
            reconnector.reconnect(false);
            return;
        }
        if (reconnector.isReconnect()) {
            CompletableFuture<Void> gate = new CompletableFuture<>();
            CompletableFuture.delayedExecutor(reconnector.getDelay(TimeUnit.MILLISECONDS), TimeUnit.MILLISECONDS)
                    .execute(() -> gate.complete(null));
            // runs on the client's event loop once the delay is over, right before the client reconnects
            reconnector.reconnectWhen(gate, (ignored, error) -> {
                if (closing) {
                    reconnector.reconnect(false);
                }
            });
        }
        if (context.getSource() == MqttDisconnectSource.USER) {
            return;
        }
        String text = "MQTT connection to " + settings.host() + ":" + settings.port() + " down: " + context.getCause();
        lastError.set(text);
        if (!reportedDown) {
            LOG.warnf("%s; reconnecting in the background, results queue on disk", text);
            reportedDown = true;
        } else {
            LOG.debug(text);
        }
    }
}
