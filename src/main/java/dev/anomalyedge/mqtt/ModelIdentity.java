package dev.anomalyedge.mqtt;

/**
 * Which model answers the results; reported in the retained status ({@link StatusSnapshot}).
 *
 * @param demo the built-in demo model (its bundle says so): the status says {@code "demo": true}, so that a plant
 *             system can never take the demo's verdicts for a real model's
 */
public record ModelIdentity(String model, String version, boolean demo) {
    public static final ModelIdentity UNKNOWN = new ModelIdentity("unknown", "unknown", false);

    /** A model that is not the demo. */
    public ModelIdentity(String model, String version) {
        this(model, version, false);
    }
}
