package dev.anomalyedge.sparkplug;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;


import org.eclipse.tahu.protobuf.SparkplugBProto.Payload;
import org.jboss.logging.Logger;

import com.google.protobuf.InvalidProtocolBufferException;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttClientSslConfig;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.lifecycle.MqttClientDisconnectedContext;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5ClientBuilder;
import com.hivemq.client.mqtt.mqtt5.lifecycle.Mqtt5ClientDisconnectedContext;
import com.hivemq.client.mqtt.mqtt5.message.connect.Mqtt5Connect;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;

import dev.anomalyedge.inspection.InspectionResult;
import dev.anomalyedge.mqtt.MqttSettings;
import dev.anomalyedge.mqtt.MqttTls;

/**
 * The appliance as a Sparkplug B 3.0 edge node with one device (the inspection), on its own MQTT 5 session (clean
 * start, session expiry 0) to the broker of {@code appliance.mqtt.*}.
 *
 * <p>Every CONNECT carries a new {@code bdSeq} ({@link BdSeq}, persisted) and the Will NDEATH with it (QoS 1, not
 * retained). After each connect the node subscribes to its NCMD topic (QoS 1), then publishes NBIRTH ({@code seq} 0,
 * the same {@code bdSeq}, {@code Node Control/Rebirth}=false) and DBIRTH with every device metric, then replays the
 * results that came while it was disconnected as DDATA with {@code is_historical=true}. Each result is a DDATA, each
 * state or model change ({@link #statusChanged()}) a DDATA; {@code seq} goes up by one per message and wraps 255 → 0.
 * An NCMD {@code Node Control/Rebirth}=true re-sends NBIRTH (same bdSeq, seq 0) and DBIRTH. Births and data are QoS 0,
 * not retained. {@link #close()} publishes DDEATH and NDEATH before a normal DISCONNECT.
 *
 * <p>Inspections never wait for it: {@link #publishResult} and {@link #statusChanged()} hand their work to one
 * publishing thread, which also keeps the order of the sequence numbers. While disconnected the last
 * {@value #BUFFER_CAPACITY} results are kept in memory (the oldest dropped and counted); they do not survive a
 * restart (the plain MQTT results of {@code appliance.mqtt.*} do).
 */
public final class SparkplugNode implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(SparkplugNode.class);

    static final int BUFFER_CAPACITY = 1000;
    private static final int TASK_CAPACITY = 10_000;
    private static final long CLOSE_TIMEOUT_S = 5;

    private final SparkplugSettings ids;
    private final Supplier<NodeStatus> status;
    private final BdSeq bdSeqs;
    private final Mqtt5AsyncClient client;
    private final ThreadPoolExecutor publisher;

    // publisher thread only
    private final ArrayDeque<InspectionResult> offline = new ArrayDeque<>();
    private InspectionResult last;
    private int seq;
    private boolean online;

    private volatile long bdSeq;   // of the CONNECT being made or the current session
    private volatile boolean started;
    private volatile boolean closing;
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong published = new AtomicLong();

    /**
     * @param broker    the broker connection (host, port, TLS, credentials, reconnect delays); the client id is
     *                  {@code <appliance.mqtt.client-id>-sparkplug}
     * @param bdSeqFile where the last bdSeq is kept ({@link #bdSeqFile})
     * @param status    asked for the state and model at every birth and status change
     * @throws IllegalArgumentException if an {@code appliance.mqtt.*} setting is invalid or the TLS trust store cannot
     *                                  be loaded
     */
    public SparkplugNode(SparkplugSettings ids, MqttSettings broker, Path bdSeqFile, Supplier<NodeStatus> status) {
        MqttSettings.validate(broker);
        this.ids = ids;
        this.status = status;
        this.bdSeqs = new BdSeq(bdSeqFile);
        this.client = buildClient(broker);
        this.publisher = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>(TASK_CAPACITY), r -> {
            Thread t = new Thread(r, "sparkplug-" + ids.edgeNodeId());
            t.setDaemon(true);
            return t;
        }, (task, executor) -> {
            if (executor.isShutdown()) return;   // closed: nothing more goes out
            dropped.incrementAndGet();
            LOG.warn("Sparkplug publishing is behind: a message was dropped");
        });
        client.publishes(MqttGlobalPublishFilter.SUBSCRIBED, this::onCommand);
    }

    /** The bdSeq file beside the MQTT queue folder: {@code <queue.dir>-sparkplug-bdseq}. */
    public static Path bdSeqFile(Path mqttQueueDir) {
        Path dir = mqttQueueDir.toAbsolutePath().normalize();
        return dir.resolveSibling(dir.getFileName() + "-sparkplug-bdseq");
    }

    /** Starts connecting in the background; never fails for an unreachable broker (the client keeps retrying). */
    public synchronized void start() {
        if (started || closing) return;
        started = true;
        client.connect(connect()).whenComplete((ack, error) -> {
            if (error != null) LOG.debugf("first Sparkplug connect failed: %s", error.toString());
        });
    }

    /** Sends the result as DDATA, or keeps it for replay while disconnected; never blocks. */
    public void publishResult(InspectionResult r) {
        submit(() -> {
            last = r;
            if (online && client.getState().isConnected()) {   // else the client would queue it with a stale seq
                send(ids.deviceTopic("DDATA"), SparkplugPayloads.result(r, false, System.currentTimeMillis()));
            } else {
                if (offline.size() >= BUFFER_CAPACITY) {
                    offline.removeFirst();
                    dropped.incrementAndGet();
                }
                offline.addLast(r);
            }
        });
    }

    /** Sends the current state and model as DDATA (when connected; the next DBIRTH carries them otherwise). */
    public void statusChanged() {
        submit(() -> {
            if (online) send(ids.deviceTopic("DDATA"), SparkplugPayloads.status(status.get(), System.currentTimeMillis()));
        });
    }

    /** Whether the session is up and born. */
    public boolean connected() {
        return client.getState().isConnected();
    }

    /** Results dropped: buffer overflow while disconnected, or publishing behind. */
    public long dropped() {
        return dropped.get();
    }

    /** DDEATH and NDEATH if connected, then a normal DISCONNECT (no Will); stops reconnecting. */
    @Override
    public void close() {
        synchronized (this) {
            if (closing) return;
            closing = true;
        }
        if (started) {
            try {
                publisher.submit(this::goodbye).get(CLOSE_TIMEOUT_S * 2, TimeUnit.SECONDS);
            } catch (Exception e) {
                LOG.debugf("Sparkplug goodbye: %s", e.toString());
            }
            try {
                client.disconnect().get(CLOSE_TIMEOUT_S, TimeUnit.SECONDS);
            } catch (Exception e) {
                LOG.debugf("Sparkplug disconnect on close: %s", e.toString());
            }
        }
        publisher.shutdownNow();
    }

    // ---------------------------------------------------------------- publisher thread

    private void submit(Runnable task) {
        if (closing) return;
        publisher.execute(() -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                LOG.errorf(e, "Sparkplug publishing failed");
            }
        });
    }

    /** Subscribe to NCMD, births, then the results kept while offline. */
    private void onConnected() {
        if (closing) return;
        client.subscribeWith().topicFilter(ids.nodeTopic("NCMD")).qos(MqttQos.AT_LEAST_ONCE).send()
                .whenComplete((ack, error) -> {
                    if (error != null) LOG.warnf("Sparkplug NCMD subscription failed: %s", error.toString());
                });
        births();
        online = true;
        long now = System.currentTimeMillis();
        while (!offline.isEmpty()) {
            send(ids.deviceTopic("DDATA"), SparkplugPayloads.result(offline.removeFirst(), true, now));
        }
        LOG.infof("Sparkplug edge node %s/%s online (bdSeq %d)", ids.groupId(), ids.edgeNodeId(), bdSeq);
    }

    /** NBIRTH with seq 0 and this session's bdSeq, then DBIRTH. */
    private void births() {
        long now = System.currentTimeMillis();
        seq = 0;
        send(ids.nodeTopic("NBIRTH"), SparkplugPayloads.nbirth(bdSeq, now));
        send(ids.deviceTopic("DBIRTH"), SparkplugPayloads.dbirth(last, status.get(), now));
    }

    private void goodbye() {
        if (!online || !client.getState().isConnected()) return;
        online = false;
        long now = System.currentTimeMillis();
        send(ids.deviceTopic("DDEATH"), Payload.newBuilder().setTimestamp(now));
        try {
            client.publishWith().topic(ids.nodeTopic("NDEATH")).qos(MqttQos.AT_LEAST_ONCE)
                    .payload(SparkplugPayloads.ndeath(bdSeq, now).toByteArray()).send().get(CLOSE_TIMEOUT_S, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.debugf("Sparkplug NDEATH not sent on close: %s", e.toString());
        }
    }

    /** Publishes at QoS 0 with the next seq (0…255, wrapping). */
    private void send(String topic, Payload.Builder payload) {
        payload.setSeq(seq);
        seq = (seq + 1) & 0xFF;
        client.publishWith().topic(topic).qos(MqttQos.AT_MOST_ONCE).payload(payload.build().toByteArray()).send()
                .whenComplete((r, error) -> {
                    if (error != null) LOG.debugf("Sparkplug message on %s not sent: %s", topic, error.toString());
                    else published.incrementAndGet();
                });
    }

    // ---------------------------------------------------------------- client callbacks

    private void onCommand(Mqtt5Publish p) {
        if (!p.getTopic().toString().equals(ids.nodeTopic("NCMD"))) return;
        try {
            if (SparkplugPayloads.asksRebirth(Payload.parseFrom(p.getPayloadAsBytes()))) {
                LOG.info("Sparkplug rebirth requested");
                submit(() -> {
                    if (online) births();
                });
            }
        } catch (InvalidProtocolBufferException e) {
            LOG.warnf("Sparkplug NCMD ignored: not a Sparkplug B payload (%s)", e.getMessage());
        }
    }

    private void onDisconnected(MqttClientDisconnectedContext context) {
        submit(() -> online = false);
        if (closing) {
            context.getReconnector().reconnect(false);
            return;
        }
        if (context instanceof Mqtt5ClientDisconnectedContext mqtt5) {
            mqtt5.getReconnector().connect(connect());   // a new bdSeq and Will for the next CONNECT
        }
        LOG.debugf("Sparkplug disconnected: %s", context.getCause().toString());
    }

    /** The next CONNECT: clean start, no session, the Will NDEATH with a new bdSeq. */
    private Mqtt5Connect connect() {
        long next = bdSeqs.next();
        bdSeq = next;
        return Mqtt5Connect.builder().cleanStart(true).sessionExpiryInterval(0).keepAlive(30)
                .willPublish().topic(ids.nodeTopic("NDEATH")).qos(MqttQos.AT_LEAST_ONCE).retain(false)
                .payload(SparkplugPayloads.ndeath(next, System.currentTimeMillis()).toByteArray()).applyWillPublish()
                .build();
    }

    private Mqtt5AsyncClient buildClient(MqttSettings s) {
        Mqtt5ClientBuilder b = MqttClient.builder().useMqttVersion5()
                .identifier(s.clientId() + "-sparkplug")
                .serverHost(s.host()).serverPort(s.port())
                .automaticReconnect().initialDelay(s.reconnectMinDelay().toMillis(), TimeUnit.MILLISECONDS)
                .maxDelay(s.reconnectMaxDelay().toMillis(), TimeUnit.MILLISECONDS).applyAutomaticReconnect()
                .addConnectedListener(context -> submit(this::onConnected))
                .addDisconnectedListener(this::onDisconnected);
        if (s.tls()) b = b.sslConfig(MqttTls.sslConfig(s));
        if (s.username().isPresent()) {
            b = b.simpleAuth().username(s.username().get())
                    .password(s.password().map(p -> p.getBytes(java.nio.charset.StandardCharsets.UTF_8)).orElse(new byte[0]))
                    .applySimpleAuth();
        }
        return b.buildAsync();
    }

}
