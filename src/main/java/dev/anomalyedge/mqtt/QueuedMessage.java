package dev.anomalyedge.mqtt;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;

/**
 * One MQTT message waiting in the {@link StoreAndForwardQueue}.
 *
 * @param sequence  position in the queue, assigned by {@link StoreAndForwardQueue#append}; {@link #UNASSIGNED} before
 * @param topic     MQTT topic
 * @param payload   message bytes (not copied: do not change the array after handing it over)
 * @param qos       0, 1 or 2
 * @param retain    MQTT retain flag
 * @param createdAt when the message was made
 * @param correlationData MQTT 5 Correlation Data to send with it (a trigger's response), or null
 */
public record QueuedMessage(long sequence, String topic, byte[] payload, int qos, boolean retain, Instant createdAt,
                            byte[] correlationData) {

    public static final long UNASSIGNED = -1;

    public QueuedMessage {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(createdAt, "createdAt");
        if (topic.isEmpty()) {
            throw new IllegalArgumentException("topic must not be empty");
        }
        if (qos < 0 || qos > 2) {
            throw new IllegalArgumentException("qos must be 0, 1 or 2, found " + qos);
        }
    }

    /** A message without correlation data. */
    public QueuedMessage(long sequence, String topic, byte[] payload, int qos, boolean retain, Instant createdAt) {
        this(sequence, topic, payload, qos, retain, createdAt, null);
    }

    /** A new message, made now, not yet in a queue. */
    public static QueuedMessage of(String topic, byte[] payload, int qos, boolean retain) {
        return new QueuedMessage(UNASSIGNED, topic, payload, qos, retain, Instant.now());
    }

    /** A new response (to a request's Response Topic, with its Correlation Data or null), made now. */
    public static QueuedMessage response(String topic, byte[] payload, int qos, byte[] correlationData) {
        return new QueuedMessage(UNASSIGNED, topic, payload, qos, false, Instant.now(), correlationData);
    }

    /** The same message at queue position {@code seq}. */
    QueuedMessage withSequence(long seq) {
        return new QueuedMessage(seq, topic, payload, qos, retain, createdAt, correlationData);
    }

    public String payloadUtf8() {
        return new String(payload, StandardCharsets.UTF_8);
    }

    // records compare arrays by identity; a message is its content
    @Override
    public boolean equals(Object o) {
        return o instanceof QueuedMessage m && sequence == m.sequence && topic.equals(m.topic)
                && Arrays.equals(payload, m.payload) && qos == m.qos && retain == m.retain
                && createdAt.equals(m.createdAt) && Arrays.equals(correlationData, m.correlationData);
    }

    @Override
    public int hashCode() {
        return Objects.hash(sequence, topic, Arrays.hashCode(payload), qos, retain, createdAt,
                Arrays.hashCode(correlationData));
    }

    @Override
    public String toString() {
        return "QueuedMessage[seq=" + sequence + ", topic=" + topic + ", " + payload.length + " bytes, qos=" + qos
                + ", retain=" + retain + ", createdAt=" + createdAt
                + (correlationData == null ? "" : ", correlation " + correlationData.length + " bytes") + "]";
    }
}
