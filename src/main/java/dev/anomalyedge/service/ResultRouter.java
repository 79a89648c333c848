package dev.anomalyedge.service;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.anomalyedge.archive.ImageArchive;
import dev.anomalyedge.image.Heatmap;
import dev.anomalyedge.inspection.FaultMonitor;
import dev.anomalyedge.inspection.InspectionResult;
import dev.anomalyedge.inspection.InspectionService;
import dev.anomalyedge.inspection.LoadedModel;
import dev.anomalyedge.mqtt.MqttResultPublisher;
import dev.anomalyedge.sparkplug.SparkplugNode;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.util.function.Supplier;

/**
 * Sends what the serving appliance produces beyond the response: every result (ERROR results too) to the metrics, the
 * fault monitor, (when MQTT is on) the broker with its heatmap overlay (none for ERROR results), (when Sparkplug is
 * on) the Sparkplug device as DDATA and (when the archive is on) the image archive with its input bytes, and every
 * model change or FAULT change to the metrics, the MQTT status and the Sparkplug device's state.
 */
final class ResultRouter implements InspectionService.Sink {
    private static final Logger LOG = Logger.getLogger(ResultRouter.class);

    private final ApplianceMetrics metrics;
    private final MqttResultPublisher mqtt;
    private final ObjectMapper json;
    private final boolean heatmaps;
    private final Supplier<LoadedModel> current;
    private final FaultMonitor faults;
    private final SparkplugNode sparkplug;
    private final ImageArchive archive;
    private final LiveResults live;

    /**
     * @param mqtt     the publisher, or null when MQTT is off
     * @param heatmaps whether results go out with their heatmap overlay (appliance.mqtt.heatmap.enabled)
     * @param current  the model being served (its map range scales the overlays)
     * @param sparkplug the Sparkplug edge node, or null when Sparkplug is off
     * @param archive  the image archive, or null when it is off
     * @param live     the operator page's live view, or null where there is none (an appliance built without CDI)
     */
    ResultRouter(ApplianceMetrics metrics, MqttResultPublisher mqtt, ObjectMapper json, boolean heatmaps,
                 Supplier<LoadedModel> current, FaultMonitor faults, SparkplugNode sparkplug, ImageArchive archive, LiveResults live) {
        this.archive = archive;
        this.live = live;
        this.metrics = metrics;
        this.mqtt = mqtt;
        this.json = json;
        this.heatmaps = heatmaps;
        this.current = current;
        this.faults = faults;
        this.sparkplug = sparkplug;
    }

    @Override
    public void accept(InspectionResult r, byte[] input) {
        metrics.inspected(r);
        if (faults.record(r)) {
            faults.fault().ifPresentOrElse(reason -> LOG.warnf("FAULT: %s", reason), () -> LOG.info("fault cleared: a result was inspected"));
            if (mqtt != null) mqtt.publishStatus();
            if (sparkplug != null) sparkplug.statusChanged();
        }
        if (sparkplug != null) sparkplug.publishResult(r);   // never blocks: handed to the node's thread
        if (archive != null) archive.accept(r, input, overlayRange(current.get(), r)); // returns at once, never throws
        if (live != null) live.publish(r);                   // returns at once: bounded per watcher, never blocks
        if (mqtt == null) return;
        try {
            byte[] heatmap = heatmaps && !r.failed()
                    ? Heatmap.overlayPng(r.resized(), r.anomalyMap(), overlayRange(current.get(), r), Heatmap.DEFAULT_OPACITY) : null;
            if (!mqtt.publishResult(json.writeValueAsString(r), heatmap)) {
                LOG.warnf("result %s was not queued for MQTT (queue full with REJECT_NEW, or disk error)", r.id());
            }
        } catch (IOException | RuntimeException e) {
            LOG.errorf(e, "result %s could not be queued for MQTT", r.id());
        }
    }

    /** Another model serves now. */
    void modelChanged(LoadedModel m) {
        metrics.modelChanged(m);
        if (mqtt != null) mqtt.publishStatus();
        if (sparkplug != null) sparkplug.statusChanged();
    }

    /** Fixed colour scale of overlays: 0 → the model's map upper bound (number of taps for sum, 1 for mean); 0 → 1 without a model. */
    static Heatmap.Range overlayRange(LoadedModel m) {
        if (m == null) return Heatmap.Range.fixed(0, 1);
        return Heatmap.Range.fixed(0, (float) m.bundle().settings().mapUpperBound());
    }

    /**
     * The colour scale of {@code r}'s overlay: a recipe result with a calibrated threshold is scaled around it (its score
     * is a map peak over the map's upper bound, so the threshold's map value is threshold × upper bound); any other on
     * the model's fixed scale.
     */
    static Heatmap.Range overlayRange(LoadedModel m, InspectionResult r) {
        if (m != null && r.recipe() != null && r.threshold() != null && r.threshold() > 0) {
            return Heatmap.Range.aroundThreshold(r.threshold() * m.bundle().settings().mapUpperBound());
        }
        return overlayRange(m);
    }
}
