package dev.anomalyedge.service;

import dev.anomalyedge.inspection.ApplianceState;
import dev.anomalyedge.inspection.BatchSizing;
import dev.anomalyedge.inspection.BatchingWorker;
import dev.anomalyedge.inspection.FaultMonitor;
import dev.anomalyedge.inspection.LoadedModel;
import dev.anomalyedge.inspection.ModelManager;
import dev.anomalyedge.mqtt.MqttPublisherStats;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.Optional;

/** What the health checks report: whether inference is stuck, which model serves (or why none), the MQTT publisher's state. */
@ApplicationScoped
public class ApplianceStatus {
    @Inject
    Appliance app;

    /** The model being served, why this backend, and the batch size and deadline its warm-up chose (null if not measured). */
    public record Serving(String name, String version, String backend, String backendReason, int imageSize, boolean demo,
                          Batching batching) {}

    /**
     * The batch size the worker uses for the serving model, as measured at its warm-up on this backend.
     *
     * @param size            images per engine call
     * @param latencyMs       one batch of that size
     * @param batch1LatencyMs one batch of 1
     * @param imagesPerSecond at that size, e.g. "19.23"
     * @param deadlineMs      the per-request deadline that follows
     * @param measured        every measured size, e.g. "auto: batch 1 0.052 s (19.23 images/s), batch 2 … → 1"
     */
    public record Batching(int size, long latencyMs, long batch1LatencyMs, String imagesPerSecond, long deadlineMs, String measured) {
        static Batching of(BatchSizing.Choice c) {
            return c == null ? null : new Batching(c.batchSize(), Math.round(c.batchSeconds() * 1000), Math.round(c.batch1Seconds() * 1000),
                    String.format(java.util.Locale.ROOT, "%.2f", c.imagesPerSecond()), c.deadline().toMillis(), c.describe());
        }
    }

    /**
     * The model side of readiness.
     *
     * @param fallback why active.json could not be followed at start (empty, unreadable, naming no loadable bundle), or null
     * @param serving  the model being served, or null
     * @param notReady why no model serves yet (null when one does)
     */
    public record ModelState(String fallback, Serving serving, String notReady) {}

    /** Why the inference worker is unhealthy (thread dead, a batch running longer than app.batching.stuck-after); empty when fine or not serving. */
    public Optional<String> unhealthy() {
        BatchingWorker worker = app.worker();
        if (worker == null) return Optional.empty(); // not serving (one-shot command)
        return worker.unhealthy(app.config().batching().stuckAfter());
    }

    public ModelState model() {
        ModelManager models = app.models();
        String fallback = models == null ? null : models.repository().fallbackReason().orElse(null);
        LoadedModel m = models == null ? null : models.current();
        if (m == null) {
            String error = app.startupError();
            return new ModelState(fallback, null, error != null ? error : "loading and warming up");
        }
        return new ModelState(fallback, new Serving(m.name(), m.version(), m.engine().backend(), app.engineReason(),
                m.imageSize(), m.bundle().manifest().demo(), Batching.of(m.sizing())), null);
    }

    /** The state a PLC reads, with the FAULT reason (null otherwise), and the failed and late results so far. */
    public record LineStatus(ApplianceState state, String reason, long failed, long late) {}

    public LineStatus line() {
        ApplianceState state = app.state();
        FaultMonitor f = app.faults();
        String reason = state == ApplianceState.FAULT && f != null ? f.fault().orElse(null) : null;
        return new LineStatus(state, reason, f == null ? 0 : f.failed(), f == null ? 0 : f.late());
    }

    /** The image archive: off (with why, when it was enabled but could not be opened), or its counters. */
    public record ArchiveStatus(boolean enabled, String error, dev.anomalyedge.archive.ArchiveStats stats) {}

    public ArchiveStatus archive() {
        return app.archiveStats().map(s -> new ArchiveStatus(true, null, s))
                .orElseGet(() -> new ArchiveStatus(app.archiveError() != null, app.archiveError(), null));
    }

    /** The MQTT publisher's counters; empty when MQTT is off. */
    public Optional<MqttPublisherStats> mqtt() {
        return app.mqttStats();
    }
}
