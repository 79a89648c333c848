package dev.anomalyedge.mqtt;

/** Which model answers the results; reported in the retained online status. */
public record ModelIdentity(String model, String version) {
    public static final ModelIdentity UNKNOWN = new ModelIdentity("unknown", "unknown");
}
