package dev.anomalyedge.mqtt;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;


import org.jboss.logging.Logger;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttClientSslConfig;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.lifecycle.MqttClientConnectedContext;
import com.hivemq.client.mqtt.lifecycle.MqttClientDisconnectedContext;
import com.hivemq.client.mqtt.lifecycle.MqttDisconnectSource;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5ClientBuilder;
import com.hivemq.client.mqtt.mqtt5.lifecycle.Mqtt5ClientDisconnectedContext;
import com.hivemq.client.mqtt.mqtt5.lifecycle.Mqtt5ClientReconnector;
import com.hivemq.client.mqtt.mqtt5.message.connect.Mqtt5Connect;
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
 * whose PUBACK was lost with the connection is sent again after the reconnect. While the connection is up a result
 * in flight is never published a second time, however long its acknowledgement takes: retransmission belongs to the
 * MQTT session, and the session ends with the connection (clean start, session expiry 0), which fails the send and
 * lets the drainer send it again on the new connection.
 *
 * <p><b>Refusals</b> ({@link PublishOutcome}): a result the broker refuses for now (reason code 0x80 unspecified
 * error, 0x91 packet identifier in use, 0x97 quota exceeded) is sent again after a back-off between the reconnect
 * delays, holding the results behind it back to keep the order. A result that can never be delivered (any other
 * error reason code, e.g. 0x87 not authorized, 0x90 topic name invalid, 0x99 payload format invalid; or one the
 * client cannot send, e.g. larger than the broker's maximum packet size) is moved to the {@link DeadLetterStore} in
 * {@link MqttSettings#deadLetterDir()} with the reason, logged and counted in
 * {@link MqttPublisherStats#deadLettered()}, and the results behind it flow on. Every broker refusal counts in
 * {@link MqttPublisherStats#rejected()}.
 *
 * <p><b>Heatmaps</b> (when enabled) are best-effort and are <em>not</em> queued: they go to {@code …/heatmap} at
 * {@code heatmapQos} right away if connected and are skipped (counted) otherwise. They are large (tens to hundreds
 * of kB against a few hundred bytes per result), so queueing them would let them push results out of the bounded
 * queue, and a heatmap hours late is of little use on the line. Each carries the user property {@code result_seq}
 * naming its result's {@code seq}.
 *
 * <p><b>Status</b>: the connection's Last Will is {@code {"state":"OFFLINE",…}}, retained, QoS 1, on
 * {@code …/status}. On every (re)connect the drainer first publishes the retained status
 * {@code {"state":"STARTING|READY|FAULT","model":…,"version":…,"backend":…,"reason":…,"timestamp":…}} with the status
 * callback's current answer ({@link StatusSnapshot}); {@link #publishStatus()} re-publishes it after every change
 * (model loaded or swapped, fault set or cleared). The drainer does not wait for the status's
 * acknowledgement, and whatever the broker answers (e.g. an ACL that allows only the result topic) the results flow:
 * a refusal for now is retried with back-off, a final one is logged and not retried before the next connect or
 * model swap. {@link #close()} publishes a retained offline status (reason {@code shutdown}) before a normal
 * DISCONNECT, which does not trigger the Will.
 *
 * <p><b>Triggers</b> (with {@link MqttSettings#triggerEnabled()} and {@link #acceptTriggers}): images on
 * {@code …/trigger} are inspected by a {@link TriggerSubscriber}; each answer goes through the same queue as the
 * results, to the trigger's Response Topic with its Correlation Data ({@link #publishResponse}). Responses take
 * sequence numbers of the queue too, so with triggers on a subscriber of {@code …/result} also sees gaps where
 * responses were sent.
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
    private static final Duration ACK_TIMEOUT = Duration.ofSeconds(30);
    private static final long CLOSE_TIMEOUT_S = 5;
    /** Clean start, no broker-side session, and no restrictions of our own on what the broker allows. */
    private static final Mqtt5Connect CONNECT = Mqtt5Connect.builder().cleanStart(true).sessionExpiryInterval(0)
            .keepAlive(30).build();

    private final MqttSettings settings;
    private final Duration ackTimeout;
    private final Topics topics;
    private final Supplier<StatusSnapshot> status;
    private volatile TriggerSubscriber trigger;
    private final StoreAndForwardQueue queue;
    private final DeadLetterStore deadLetters;
    private final Mqtt5AsyncClient client;
    private final Thread drainer;
    private final Semaphore wakeup = new Semaphore(0);

    /** Sequences below this were queued before the current connection came up; null while disconnected. */
    private volatile Long firstLiveSeq;
    private final AtomicBoolean statusDue = new AtomicBoolean();
    private final AtomicReference<CompletableFuture<Mqtt5PublishResult>> statusInFlight = new AtomicReference<>();
    private volatile long statusNotBefore = System.nanoTime();   // a refused status is not sent again before this
    private final AtomicInteger statusRetries = new AtomicInteger();
    private volatile CompletableFuture<Mqtt5PublishResult> inFlight;
    private long resultNotBefore = System.nanoTime();   // drainer only: the refused head is not retried before this
    private int resultRetries;                          // drainer only: failed attempts at the head in a row
    private volatile boolean started;
    private volatile boolean closing;
    private volatile boolean reportedDown;

    private final AtomicLong published = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong deadLettered = new AtomicLong();
    private final AtomicLong heatmapsPublished = new AtomicLong();
    private final AtomicLong heatmapsSkipped = new AtomicLong();
    private final AtomicReference<String> lastError = new AtomicReference<>();

    /**
     * Opens the store-and-forward queue of {@code settings.queueDir()} (restoring its backlog) and builds the
     * client; nothing is sent before {@link #start()}.
     *
     * @param status called for every status message; a change followed by {@link #publishStatus()} announces it
     * @throws IllegalArgumentException if a setting is invalid ({@link MqttSettings#validate}) or the TLS trust store
     *                                  cannot be loaded
     * @throws IllegalStateException    if the queue folder is in use by another publisher
     * @throws UncheckedIOException     if the queue or dead-letter folder cannot be read or written
     */
    public MqttResultPublisher(MqttSettings settings, Supplier<StatusSnapshot> status) {
        this(settings, status, ACK_TIMEOUT);
    }

    /** @param ackTimeout how long to wait for an acknowledgement before saying so (the wait goes on) */
    MqttResultPublisher(MqttSettings settings, Supplier<StatusSnapshot> status, Duration ackTimeout) {
        this.ackTimeout = ackTimeout;
        this.settings = MqttSettings.validate(settings);
        this.topics = Topics.of(settings);
        this.status = status;
        MqttClientSslConfig ssl = settings.tls() ? MqttTls.sslConfig(settings) : null;   // fails before opening anything
        this.queue = StoreAndForwardQueue.open(settings);
        try {
            this.deadLetters = new DeadLetterStore(settings.deadLetterDir(), settings.deadLetterMaxMessages(),
                    settings.deadLetterMaxBytes());
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
        client.connect(CONNECT)
                .whenComplete((ack, error) -> {
                    if (error != null) {
                        // the automatic reconnect keeps trying; the disconnected listener logs it
                        LOG.debugf("first MQTT connect to %s:%d failed: %s", settings.host(), settings.port(), error.toString());
                    }
                });
    }

    /**
     * Takes triggers on {@code …/trigger} from the first connect on (call before {@link #start()}; only when
     * {@link MqttSettings#triggerEnabled()}).
     *
     * @param workers triggers inspected at once
     * @param backlog triggers waiting for a worker; beyond that a trigger is answered with the handler's queue_full
     *                result
     */
    public synchronized void acceptTriggers(TriggerHandler handler, int workers, int backlog) {
        if (started || trigger != null) {
            throw new IllegalStateException("acceptTriggers must be called once, before start()");
        }
        trigger = new TriggerSubscriber(topics, handler, workers, backlog, this::publishResponse);
    }

    /**
     * Queues the response to a request (a trigger): {@code json} to {@code responseTopic} with the request's
     * correlation data (null when it had none), at {@code resultQos}, through the store-and-forward queue.
     *
     * @return true if it is safely on disk; false if the queue refused it or the disk failed (logged)
     */
    public boolean publishResponse(String responseTopic, byte[] correlationData, String json) {
        try {
            queue.append(QueuedMessage.response(responseTopic, json.getBytes(StandardCharsets.UTF_8),
                    settings.resultQos(), correlationData));
        } catch (UncheckedIOException | IllegalStateException | IllegalArgumentException e) {
            lastError.set(e.getMessage());
            LOG.errorf("MQTT response to %s not queued: %s", responseTopic, e.getMessage());
            return false;
        }
        wakeup.release();
        return true;
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

    /** Re-publishes the retained status (after a state or model change); sent on the next connect if offline. */
    public void publishStatus() {
        statusDue.set(true);
        wakeup.release();
    }

    public boolean connected() {
        return firstLiveSeq != null;
    }

    public MqttPublisherStats stats() {
        return new MqttPublisherStats(connected(), published.get(), queue.size(), queue.bytes(), queue.dropped(),
                rejected.get(), deadLettered.get(), deadLetters.count(), heatmapsPublished.get(), heatmapsSkipped.get(),
                lastError.get());
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
        TriggerSubscriber t = trigger;
        if (t != null) {
            t.close();   // the triggers taken are answered into the queue before it closes
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

    /** One step: the status if due (not waited for), then the oldest queued result, else a short wait. */
    private void drainOnce() {
        Long liveFrom = firstLiveSeq;
        if (liveFrom == null) {
            awaitWakeup(1000);   // woken by the connected listener
            return;
        }
        sendStatusIfDue();
        Optional<QueuedMessage> head = queue.peek();
        if (head.isEmpty()) {
            awaitWakeup(statusWaitMillis());   // woken by publishResult and publishStatus
            return;
        }
        long retryIn = millisUntil(resultNotBefore);
        if (retryIn > 0) {
            awaitWakeup(Math.min(retryIn, statusWaitMillis()));   // the head was refused for now
            return;
        }
        QueuedMessage m = head.get();
        Mqtt5Publish publish;
        try {
            publish = resultPublish(m, m.sequence() < liveFrom);
        } catch (RuntimeException e) {
            // e.g. a topic or payload the client refuses to build: retrying cannot help
            deadLetter(m, "it cannot be built as an MQTT message: " + e);
            return;
        }
        String what = "result " + m.sequence();
        PublishOutcome outcome = send(publish, what);
        if (outcome.brokerRefusal()) {
            rejected.incrementAndGet();
        }
        switch (outcome.kind()) {
            case ACKED -> {
                published.incrementAndGet();   // counted first: backlog 0 implies counted
                queue.acknowledge(m.sequence());
                resultRetries = 0;
            }
            case FINAL -> deadLetter(m, outcome.reason());
            case RETRY -> {
                long delay = backoffMillis(resultRetries++);
                resultNotBefore = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(delay);
                lastError.set(what + " not delivered: " + outcome.reason() + "; retrying in " + delay + " ms");
                LOG.warnf("MQTT %s not delivered: %s; retrying in %d ms (results behind it wait, to keep the order)",
                        what, outcome.reason(), delay);
            }
            case CONNECTION_LOST -> {
                if (!closing) {
                    lastError.set(what + " not delivered: " + outcome.reason() + "; sent again after the reconnect");
                    LOG.debugf("%s not delivered: %s (sent again after the reconnect)", what, outcome.reason());
                    awaitWakeup(settings.reconnectMinDelay().toMillis());   // woken by the connected listener
                }
            }
        }
    }

    /** Moves a result that can never be delivered to the dead-letter store; it stays queued if that fails. */
    private void deadLetter(QueuedMessage m, String reason) {
        Path file;
        try {
            file = deadLetters.add(m, reason, Instant.now());
        } catch (UncheckedIOException e) {
            long delay = backoffMillis(resultRetries++);
            resultNotBefore = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(delay);
            lastError.set("result " + m.sequence() + " cannot be delivered (" + reason + ") nor dead-lettered: "
                    + e.getMessage());
            LOG.errorf("MQTT result %d cannot be delivered (%s) and could not be written to the dead-letter folder "
                    + "(%s); it stays queued, trying again in %d ms", m.sequence(), reason, e.getMessage(), delay);
            return;
        }
        deadLettered.incrementAndGet();   // counted first: backlog 0 implies counted
        queue.acknowledge(m.sequence());
        resultRetries = 0;
        lastError.set("result " + m.sequence() + " cannot be delivered (" + reason + "); dead-lettered to " + file);
        LOG.errorf("MQTT result %d cannot be delivered: %s; moved to the dead-letter file %s, the results behind it "
                + "go on", m.sequence(), reason, file);
    }

    /**
     * Sends the status if due, without waiting for its acknowledgement: the results never wait for a status
     * message, whatever the broker does with it.
     */
    private void sendStatusIfDue() {
        if (statusInFlight.get() != null || millisUntil(statusNotBefore) > 0 || !statusDue.getAndSet(false)) {
            return;
        }
        CompletableFuture<Mqtt5PublishResult> future = client.publish(statusMessage());
        statusInFlight.set(future);   // before the callback, which runs right here if the send failed at once
        future.whenComplete((result, error) -> {
            PublishOutcome outcome = PublishOutcome.of(error != null ? unwrap(error) : result.getError().orElse(null));
            switch (outcome.kind()) {
                case ACKED -> statusRetries.set(0);
                case FINAL -> {
                    statusRetries.set(0);
                    lastError.set("status not delivered: " + outcome.reason());
                    LOG.warnf("MQTT status on %s not delivered: %s; not retried before the next connect or model "
                            + "swap (results are not affected)", topics.status(), outcome.reason());
                }
                case RETRY, CONNECTION_LOST -> {
                    long delay = backoffMillis(statusRetries.getAndIncrement());
                    statusNotBefore = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(delay);
                    statusDue.set(true);
                    LOG.debugf("status not delivered: %s; retrying in %d ms", outcome.reason(), delay);
                }
            }
            statusInFlight.compareAndSet(future, null);
            wakeup.release();
        });
    }

    /**
     * Publishes and waits for the outcome. Past the acknowledgement timeout the wait goes on: the message stays in
     * flight on this connection (sending it again as a new message would duplicate it); if the connection ends
     * first, the send fails and the caller sends it again on the next connection.
     */
    private PublishOutcome send(Mqtt5Publish publish, String what) {
        CompletableFuture<Mqtt5PublishResult> future = client.publish(publish);
        inFlight = future;
        try {
            long waited = 0;
            while (true) {
                try {
                    Mqtt5PublishResult result = future.get(ackTimeout.toMillis(), TimeUnit.MILLISECONDS);
                    return PublishOutcome.of(result.getError().orElse(null));
                } catch (TimeoutException e) {
                    waited += ackTimeout.toMillis();
                    lastError.set("no acknowledgement for " + what + " after " + waited + " ms; still waiting (it is "
                            + "not sent again on the same connection)");
                    if (waited == ackTimeout.toMillis()) {
                        LOG.warnf("MQTT broker has not acknowledged %s within %d ms; waiting on (it is sent again only "
                                + "after a reconnect)", what, waited);
                    }
                }
            }
        } catch (ExecutionException e) {
            return PublishOutcome.of(unwrap(e));
        } catch (CancellationException e) {
            return new PublishOutcome(PublishOutcome.Kind.CONNECTION_LOST, "publisher closing", false);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new PublishOutcome(PublishOutcome.Kind.CONNECTION_LOST, "interrupted", false);
        } finally {
            inFlight = null;
        }
    }

    private static Throwable unwrap(Throwable error) {
        return (error instanceof ExecutionException || error instanceof CompletionException)
                && error.getCause() != null ? error.getCause() : error;
    }

    /** How long the drainer may sleep before the status is due again: at most 1 s, at least 1 ms. */
    private long statusWaitMillis() {
        if (!statusDue.get() || statusInFlight.get() != null) {
            return 1000;
        }
        return Math.max(1, Math.min(1000, millisUntil(statusNotBefore)));
    }

    /** Reconnect min delay doubled per retry, capped at the reconnect max delay. */
    private long backoffMillis(int retries) {
        long min = settings.reconnectMinDelay().toMillis();
        long max = settings.reconnectMaxDelay().toMillis();
        return retries >= 30 ? max : Math.min(max, min << retries);
    }

    private static long millisUntil(long nanoTime) {
        return TimeUnit.NANOSECONDS.toMillis(nanoTime - System.nanoTime());
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
                .payloadFormatIndicator(Mqtt5PayloadFormatIndicator.UTF_8)
                .correlationData(m.correlationData());
        var props = b.userProperties().add(SEQ_PROPERTY, Long.toString(m.sequence()));
        if (historical) {
            props.add(HISTORICAL_PROPERTY, "true");
        }
        return props.applyUserProperties().build();
    }

    private Mqtt5Publish statusMessage() {
        StatusSnapshot snapshot;
        try {
            snapshot = status.get();
        } catch (RuntimeException e) {
            LOG.warnf("status callback failed for the MQTT status: %s", e.toString());
            snapshot = null;
        }
        if (snapshot == null) {
            snapshot = StatusSnapshot.STARTING;
        }
        return Mqtt5Publish.builder().topic(topics.status()).qos(MqttQos.AT_LEAST_ONCE).retain(true)
                .payload(Payloads.status(snapshot, settings.clientId(), Instant.now()))
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


    private void onConnected(MqttClientConnectedContext context) {
        if (closing) {
            client.disconnect();   // a reconnect that raced with close()
            return;
        }
        firstLiveSeq = queue.nextSequence();
        statusNotBefore = System.nanoTime();   // the birth goes out at once on a new connection
        statusRetries.set(0);
        statusDue.set(true);
        lastError.set(null);
        TriggerSubscriber t = trigger;
        if (t != null) {
            t.subscribe(client);
        }
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
        Mqtt5ClientReconnector reconnector = ((Mqtt5ClientDisconnectedContext) context).getReconnector();
        if (closing) {
            reconnector.reconnect(false);
            return;
        }
        // Reconnect with our own CONNECT: by default the client builds the next one from the last connection's
        // negotiated limits, so a broker's lowered maximum packet size (or receive maximum) would stick for good
        // even after the broker raised it again. Unacknowledged results are resent by the drainer, not the client.
        // The trigger subscription is made again by onConnected (clean start: the broker forgot it, and the client
        // ended its callback), so the client must not resubscribe as well.
        reconnector.connect(CONNECT).republishIfSessionExpired(false).resubscribeIfSessionExpired(false);
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
