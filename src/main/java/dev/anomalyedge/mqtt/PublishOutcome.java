package dev.anomalyedge.mqtt;

import java.util.Optional;
import java.util.Set;

import com.hivemq.client.mqtt.datatypes.MqttUtf8String;
import com.hivemq.client.mqtt.exceptions.ConnectionClosedException;
import com.hivemq.client.mqtt.exceptions.MqttClientStateException;
import com.hivemq.client.mqtt.exceptions.MqttEncodeException;
import com.hivemq.client.mqtt.exceptions.MqttSessionExpiredException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubRecException;
import com.hivemq.client.mqtt.mqtt5.message.Mqtt5ReasonCode;

/**
 * What became of one PUBLISH, and so what to do with the message.
 *
 * <ul>
 *   <li>{@link Kind#ACKED}: the broker acknowledged it; remove it from the queue.</li>
 *   <li>{@link Kind#CONNECTION_LOST}: the connection (and with it the MQTT session) ended before the acknowledgement;
 *       send it again after the reconnect.</li>
 *   <li>{@link Kind#RETRY}: refused for now (PUBACK/PUBREC 0x80 unspecified error, 0x91 packet identifier in use,
 *       0x97 quota exceeded) or an unexpected error; send it again after a back-off.</li>
 *   <li>{@link Kind#FINAL}: can never succeed (any other error reason code, e.g. 0x83 implementation specific,
 *       0x87 not authorized, 0x90 topic name invalid, 0x99 payload format invalid; or the client cannot encode it,
 *       e.g. larger than the broker's maximum packet size); move it to the dead-letter store.</li>
 * </ul>
 *
 * @param kind          what to do
 * @param reason        why, for logs and dead letters; null when acknowledged
 * @param brokerRefusal the broker answered with an error reason code (counted as rejected)
 */
record PublishOutcome(Kind kind, String reason, boolean brokerRefusal) {

    enum Kind { ACKED, CONNECTION_LOST, RETRY, FINAL }

    static final PublishOutcome ACKED = new PublishOutcome(Kind.ACKED, null, false);

    /** Reason codes after which the same message may well be accepted later. */
    private static final Set<Integer> RETRYABLE_CODES = Set.of(0x80, 0x91, 0x97);

    static PublishOutcome of(Throwable error) {
        if (error == null) {
            return ACKED;
        }
        if (error instanceof Mqtt5PubAckException e) {
            return refusal("PUBACK", e.getMqttMessage().getReasonCode(), e.getMqttMessage().getReasonString());
        }
        if (error instanceof Mqtt5PubRecException e) {
            return refusal("PUBREC", e.getMqttMessage().getReasonCode(), e.getMqttMessage().getReasonString());
        }
        if (error instanceof MqttEncodeException) {
            return new PublishOutcome(Kind.FINAL, "the MQTT client cannot send it: " + error.getMessage(), false);
        }
        if (error instanceof MqttSessionExpiredException || error instanceof ConnectionClosedException
                || error instanceof MqttClientStateException) {
            return new PublishOutcome(Kind.CONNECTION_LOST, "connection lost before the acknowledgement: " + error, false);
        }
        return new PublishOutcome(Kind.RETRY, "unexpected error: " + error, false);
    }

    private static PublishOutcome refusal(String packet, Mqtt5ReasonCode code, Optional<MqttUtf8String> reasonString) {
        String reason = "the broker refused it: " + packet + " reason code " + code
                + String.format(" (0x%02X)", code.getCode())
                + reasonString.map(r -> ", \"" + r + "\"").orElse("");
        return new PublishOutcome(RETRYABLE_CODES.contains(code.getCode()) ? Kind.RETRY : Kind.FINAL, reason, true);
    }
}
