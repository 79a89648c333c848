package dev.anomalyedge.mqtt;

/**
 * The application's side of the MQTT trigger ({@code …/trigger}): inspects one image and answers with the result
 * document, the same JSON as the REST answer. Both methods are answered for every trigger and never throw: an image
 * that cannot be inspected (corrupt, too large, a bad part id, no model…) is an ERROR result. Each result is also
 * stored and published on {@code …/result} by the application, like any result.
 */
public interface TriggerHandler {

    /**
     * Inspects one image (runs for the inference time; called on the trigger executor, never on the MQTT client's
     * threads).
     *
     * @param image  the message's payload
     * @param source where it came from, {@code mqtt:<topic>}
     * @param partId the user property {@code part_id}, or null
     * @return the result JSON
     */
    String trigger(byte[] image, String source, String partId);

    /**
     * As {@link #trigger(byte[], String, String)} with the recipe the trigger asks for (user property {@code recipe}, null
     * when none: the appliance's default recipe, if any).
     */
    default String trigger(byte[] image, String source, String partId, String recipe) {
        return trigger(image, source, partId);
    }

    /** The queue_full ERROR result for a trigger refused because too many are waiting already; returns at once. */
    String queueFull(String source, String partId);
}
