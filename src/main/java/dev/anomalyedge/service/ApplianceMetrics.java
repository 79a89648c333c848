package dev.anomalyedge.service;

import dev.anomalyedge.archive.ArchiveStats;
import dev.anomalyedge.inspection.BatchingWorker;
import dev.anomalyedge.inspection.InspectionResult;
import dev.anomalyedge.inspection.LoadedModel;
import dev.anomalyedge.mqtt.MqttPublisherStats;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The appliance's Prometheus series (at /q/metrics): inference latency and queue time histograms, batch sizes,
 * inspections by verdict, rejected and expired requests, MQTT published/backlog/dropped/rejected/dead-lettered, and
 * the active model.
 */
public final class ApplianceMetrics implements BatchingWorker.Listener, dev.anomalyedge.engine.select.EngineSelector.Listener {
    private final MeterRegistry registry;
    private final Timer inference;
    private final Timer queue;
    private final DistributionSummary batchSize;
    private final Counter expired;
    private final MultiGauge activeModel;

    ApplianceMetrics(MeterRegistry registry, Appliance appliance) {
        this.registry = registry;
        this.inference = Timer.builder("appliance.inference").description("engine time per batch")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofMinutes(2))
                .register(registry);
        this.queue = Timer.builder("appliance.queue").description("time a request waited for its batch")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofMinutes(1))
                .register(registry);
        this.batchSize = DistributionSummary.builder("appliance.batch.size").description("images per engine call")
                .serviceLevelObjectives(1, 2, 4, 8, 16, 32).register(registry);
        this.expired = Counter.builder("appliance.requests.expired").description("requests that missed their deadline")
                .register(registry);
        this.activeModel = MultiGauge.builder("appliance.model.active").description("1 for the model being served")
                .register(registry);
        Gauge.builder("appliance.queue.depth", appliance, r -> r.worker() == null ? 0 : r.worker().queued())
                .description("requests waiting for the engine").register(registry);
        Gauge.builder("appliance.mqtt.connected", appliance, r -> stat(r, s -> s.connected() ? 1 : 0)).register(registry);
        Gauge.builder("appliance.mqtt.published", appliance, r -> stat(r, MqttPublisherStats::published))
                .description("results acknowledged by the broker").register(registry);
        Gauge.builder("appliance.mqtt.backlog", appliance, r -> stat(r, MqttPublisherStats::backlog))
                .description("results stored on disk waiting for the broker").register(registry);
        Gauge.builder("appliance.mqtt.dropped", appliance, r -> stat(r, MqttPublisherStats::dropped))
                .description("results dropped by the store-and-forward bound or lost to damaged records").register(registry);
        Gauge.builder("appliance.mqtt.rejected", appliance, r -> stat(r, MqttPublisherStats::rejected))
                .description("broker refusals of results (PUBACK error reason codes), retried or dead-lettered").register(registry);
        Gauge.builder("appliance.mqtt.dead.lettered", appliance, r -> stat(r, MqttPublisherStats::deadLettered))
                .description("results that can never be delivered, moved to the dead-letter folder").register(registry);
        Gauge.builder("appliance.mqtt.dead.letter.files", appliance, r -> stat(r, MqttPublisherStats::deadLetterFiles))
                .description("dead letters on disk now").register(registry);
        archiveGauge(registry, appliance, "appliance.archive.written", "entries written to the image archive", ArchiveStats::written);
        archiveGauge(registry, appliance, "appliance.archive.dropped", "results to archive dropped: the writer's queue was full", ArchiveStats::dropped);
        archiveGauge(registry, appliance, "appliance.archive.failed", "results to archive not written: disk full or write error", ArchiveStats::failed);
        archiveGauge(registry, appliance, "appliance.archive.cleaned", "archive entries deleted by its bounds", ArchiveStats::cleaned);
        archiveGauge(registry, appliance, "appliance.archive.bytes", "bytes in the image archive now", ArchiveStats::bytes);
        archiveGauge(registry, appliance, "appliance.archive.entries", "entries in the image archive now", ArchiveStats::entries);
    }

    private static void archiveGauge(MeterRegistry registry, Appliance appliance, String name, String description,
                                     java.util.function.ToDoubleFunction<ArchiveStats> f) {
        Gauge.builder(name, appliance, r -> r.archiveStats().map(f::applyAsDouble).orElse(0.0)).description(description)
                .register(registry);
    }

    private static double stat(Appliance r, java.util.function.ToDoubleFunction<MqttPublisherStats> f) {
        return r.mqttStats().map(f::applyAsDouble).orElse(0.0);
    }

    @Override
    public void batch(int size, long inferenceNanos) {
        inference.record(inferenceNanos, TimeUnit.NANOSECONDS);
        batchSize.record(size);
    }

    @Override
    public void queued(long queueNanos) {
        queue.record(queueNanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void expired() {
        expired.increment();
    }

    /** A request refused before inference; reason e.g. queue_full, too_large, unprocessable, deadline. */
    public void rejected(String reason) {
        Counter.builder("appliance.requests.rejected").tag("reason", reason).register(registry).increment();
    }

    /** auto mode fell back to ONNX Runtime although TensorRT was present. */
    @Override
    public void fallback(String reason) {
        Counter.builder("appliance.engine.fallbacks").description("TensorRT → ONNX Runtime fallbacks").register(registry).increment();
    }

    void inspected(InspectionResult r) {
        Counter.builder("appliance.inspections").tag("verdict", r.verdict().name()).register(registry).increment();
        if (r.failed()) {
            Counter.builder("appliance.results.failed").description("ERROR results (images not inspected), by error code")
                    .tag("code", r.error().code()).register(registry).increment();
        }
    }

    void modelChanged(LoadedModel m) {
        if (m == null) return;
        activeModel.register(List.of(MultiGauge.Row.of(Tags.of("name", m.name(), "version", m.version(),
                "backend", m.engine().backend()), 1)), true);
    }
}
