package dev.anomalyedge.sparkplug;

import dev.anomalyedge.inspection.ApplianceState;

/**
 * What the device reports besides results: the appliance state and the model being served (null name and version
 * while none serves).
 */
public record NodeStatus(ApplianceState state, String modelName, String modelVersion) {
}
