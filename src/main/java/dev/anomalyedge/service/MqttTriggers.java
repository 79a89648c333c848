package dev.anomalyedge.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.anomalyedge.inspection.InspectionResult;
import dev.anomalyedge.mqtt.TriggerHandler;

import java.io.UncheckedIOException;

/**
 * The application's answer to MQTT triggers: each image goes through {@link Inspections#trigger} (the same queue,
 * deadline and pipeline as REST; the result is stored and published on {@code …/result} like any result) and comes back
 * as the result document's JSON for the trigger's response.
 */
final class MqttTriggers implements TriggerHandler {
    private final Inspections inspections;
    private final ObjectMapper json;

    MqttTriggers(Inspections inspections, ObjectMapper json) {
        this.inspections = inspections;
        this.json = json;
    }

    @Override
    public String trigger(byte[] image, String source, String partId) {
        return write(inspections.trigger(image, source, partId));
    }

    @Override
    public String trigger(byte[] image, String source, String partId, String recipe) {
        return write(inspections.trigger(image, source, partId, recipe));
    }

    @Override
    public String queueFull(String source, String partId) {
        return write(inspections.triggerQueueFull(source, partId));
    }

    private String write(InspectionResult r) {
        try {
            return json.writeValueAsString(r);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("result " + r.id() + " cannot be written as JSON", e);
        }
    }
}
