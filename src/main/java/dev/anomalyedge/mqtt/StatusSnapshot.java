package dev.anomalyedge.mqtt;

import java.util.Objects;

import dev.anomalyedge.inspection.ApplianceState;

/**
 * What the retained {@code …/status} message says about the appliance at one moment: its state as a PLC reads it, the
 * model serving (null while none does), the backend running it and why it is in FAULT.
 *
 * @param state   STARTING, READY or FAULT (OFFLINE is only ever the Last Will and the clean-shutdown message)
 * @param model   the model serving, or null
 * @param backend the inference backend of that model (e.g. {@code onnxruntime-cpu}), or null
 * @param reason  why the appliance is in FAULT, or null
 */
public record StatusSnapshot(ApplianceState state, ModelIdentity model, String backend, String reason) {

    public StatusSnapshot {
        Objects.requireNonNull(state, "state");
    }

    /** READY with a model (tests, tools). */
    public static StatusSnapshot ready(ModelIdentity model) {
        return new StatusSnapshot(ApplianceState.READY, model, null, null);
    }

    /** Connected, no model yet. */
    public static final StatusSnapshot STARTING = new StatusSnapshot(ApplianceState.STARTING, null, null, null);
}
