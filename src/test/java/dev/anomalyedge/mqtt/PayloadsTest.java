package dev.anomalyedge.mqtt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

import org.junit.jupiter.api.Test;

import dev.anomalyedge.inspection.ApplianceState;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

class PayloadsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void historicalFlagIsAddedWithoutChangingTheOtherFields() {
        String in = "{\"id\":\"P-1\",\"score\":0.12345678901234567890,\"tiny\":1.5E-12,\"n\":12345678901234567890,"
                + "\"nested\":{\"a\":[1,2.50,null]},\"ok\":false}";
        String out = new String(Payloads.markHistorical(utf8(in)), StandardCharsets.UTF_8);
        assertEquals("{\"id\":\"P-1\",\"score\":0.12345678901234567890,\"tiny\":1.5E-12,\"n\":12345678901234567890,"
                + "\"nested\":{\"a\":[1,2.50,null]},\"ok\":false,\"is_historical\":true}", out,
                "numbers keep every digit, field order is kept, the flag goes last");
    }

    @Test
    void anExistingFlagIsOverwrittenAndNonObjectsAreLeftAlone() throws Exception {
        JsonNode n = JSON.readTree(Payloads.markHistorical(utf8("{\"is_historical\":false,\"x\":1}")));
        assertTrue(n.get("is_historical").asBoolean());
        assertEquals(2, n.size());
        byte[] png = {(byte) 0x89, 'P', 'N', 'G'};
        assertArrayEquals(png, Payloads.markHistorical(png));
        assertArrayEquals(utf8("[1,2]"), Payloads.markHistorical(utf8("[1,2]")));
    }

    @Test
    void resultsMustBeJsonObjects() {
        Payloads.requireJsonObject("{\"a\":1}");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Payloads.requireJsonObject("[1]"))
                .getMessage().contains("must be a JSON object, found array"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Payloads.requireJsonObject("{\"a\":"))
                .getMessage().contains("not valid JSON"));
        assertThrows(IllegalArgumentException.class, () -> Payloads.requireJsonObject(""));
        assertThrows(IllegalArgumentException.class, () -> Payloads.requireJsonObject(null));
    }

    @Test
    void statusPayloads() throws Exception {
        Instant t = Instant.ofEpochMilli(1_700_000_000_123L);
        JsonNode ready = JSON.readTree(Payloads.status(new StatusSnapshot(ApplianceState.READY,
                new ModelIdentity("bottle", "7"), "onnxruntime-cpu", null), "edge-1", t));
        assertEquals("READY", ready.get("state").asText());
        assertEquals("bottle", ready.get("model").asText());
        assertEquals("7", ready.get("version").asText());
        assertEquals("onnxruntime-cpu", ready.get("backend").asText());
        assertTrue(ready.get("reason").isNull(), "no reason unless FAULT");
        assertEquals(1_700_000_000_123L, ready.get("timestamp").asLong());
        assertEquals("edge-1", ready.get("client_id").asText());
        assertTrue(ready.get("demo").isBoolean() && !ready.get("demo").asBoolean(), "a real model: demo false");
        JsonNode demo = JSON.readTree(Payloads.status(StatusSnapshot.ready(new ModelIdentity("demo", "trained-1", true)), "edge-1", t));
        assertTrue(demo.get("demo").asBoolean(), "the demo model says so in the status");

        JsonNode starting = JSON.readTree(Payloads.status(StatusSnapshot.STARTING, "edge-1", t));
        assertEquals("STARTING", starting.get("state").asText());
        assertTrue(starting.get("model").isNull() && starting.get("version").isNull() && starting.get("backend").isNull(),
                "no model yet: " + starting);
        JsonNode fault = JSON.readTree(Payloads.status(new StatusSnapshot(ApplianceState.FAULT,
                new ModelIdentity("bottle", "7"), "tensorrt", "5 ERROR results in a row"), "edge-1", t));
        assertEquals("FAULT", fault.get("state").asText());
        assertEquals("5 ERROR results in a row", fault.get("reason").asText());

        JsonNode will = JSON.readTree(Payloads.offline("edge-1", "connection lost", null));
        assertEquals("OFFLINE", will.get("state").asText());
        assertTrue(will.get("timestamp") == null, "the Will is fixed at connect time: no timestamp");
        JsonNode shutdown = JSON.readTree(Payloads.offline("edge-1", "shutdown", t));
        assertEquals(1_700_000_000_123L, shutdown.get("timestamp").asLong());
    }
}
