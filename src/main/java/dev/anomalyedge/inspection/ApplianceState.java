package dev.anomalyedge.inspection;

/**
 * The appliance's state as a PLC reads it (retained status message, health): STARTING (up, no model serving yet),
 * READY (a model is warmed and serving), FAULT (serving, but the last results failed: see the reason), OFFLINE
 * (stopped, or the broker's Last Will).
 */
public enum ApplianceState { STARTING, READY, FAULT, OFFLINE }
