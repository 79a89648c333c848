package dev.anomalyedge.mqtt;

import java.io.IOException;
import java.time.Instant;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** The JSON payloads of the status topic and the {@code is_historical} flag of replayed results. */
final class Payloads {

    static final String HISTORICAL_FIELD = "is_historical";

    // decimals as BigDecimal, kept exactly, so re-writing a result for the historical flag does not round its numbers
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .setNodeFactory(JsonNodeFactory.withExactBigDecimals(true));

    private Payloads() { }

    /** Throws a clear error unless {@code json} is one JSON object. */
    static void requireJsonObject(String json) {
        if (json == null) {
            throw new IllegalArgumentException("result payload must be a JSON object, found null");
        }
        JsonNode node;
        try {
            node = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("result payload is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException("result payload must be a JSON object, found "
                    + (node == null ? "nothing" : node.getNodeType().toString().toLowerCase()));
        }
    }

    /**
     * {@code {"state":"READY","model":…,"version":…,"demo":…,"backend":…,"reason":…,"timestamp":<epoch ms>,"client_id":…}}:
     * {@code state} is STARTING, READY or FAULT; {@code model}, {@code version} and {@code backend} are null while no model
     * serves, {@code reason} is null unless FAULT.
     */
    static byte[] status(StatusSnapshot status, String clientId, Instant now) {
        ObjectNode n = JSON.createObjectNode();
        n.put("state", status.state().name());
        ModelIdentity model = status.model();
        n.put("model", model == null ? null : model.model());
        n.put("version", model == null ? null : model.version());
        n.put("demo", model != null && model.demo());
        n.put("backend", status.backend());
        n.put("reason", status.reason());
        n.put("timestamp", now.toEpochMilli());
        n.put("client_id", clientId);
        return write(n);
    }

    /**
     * {@code {"state":"OFFLINE","client_id":…,"reason":…}}, plus a timestamp when known (the Last Will is fixed at
     * connect time, so it has none).
     */
    static byte[] offline(String clientId, String reason, Instant nowOrNull) {
        ObjectNode n = JSON.createObjectNode();
        n.put("state", "OFFLINE");
        if (nowOrNull != null) {
            n.put("timestamp", nowOrNull.toEpochMilli());
        }
        n.put("client_id", clientId);
        n.put("reason", reason);
        return write(n);
    }

    /** The payload with {@code "is_historical": true} added, or unchanged if it is not a JSON object. */
    static byte[] markHistorical(byte[] payload) {
        JsonNode node;
        try {
            node = JSON.readTree(payload);
        } catch (IOException e) {
            return payload;
        }
        if (node == null || !node.isObject()) {
            return payload;
        }
        ((ObjectNode) node).put(HISTORICAL_FIELD, true);
        return write(node);
    }

    private static byte[] write(JsonNode n) {
        try {
            return JSON.writeValueAsBytes(n);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON", e);   // cannot happen for a tree
        }
    }
}
