package dev.anomalyedge.api;

import dev.anomalyedge.mqtt.MqttPublisherStats;
import dev.anomalyedge.service.ApplianceStatus;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.health.Readiness;

import java.util.Optional;

/**
 * Health for the orchestrator: liveness = the process answers, its inference worker thread runs and no batch has run
 * longer than {@code appliance.batching.stuck-after}; readiness = a model is
 * loaded and warmed. The broker and the store-and-forward backlog are reported in readiness data but never make the
 * appliance unready: results are safe on disk while the broker is away.
 */
public class Health {

    @Liveness
    @ApplicationScoped
    public static class Live implements HealthCheck {
        @Inject
        ApplianceStatus status;

        @Override
        public HealthCheckResponse call() {
            return status.unhealthy()
                    .map(reason -> HealthCheckResponse.named("appliance").down().withData("reason", reason).build())
                    .orElseGet(() -> HealthCheckResponse.named("appliance").up().build());
        }
    }

    @Readiness
    @ApplicationScoped
    public static class Model implements HealthCheck {
        @Inject
        ApplianceStatus status;

        @Override
        public HealthCheckResponse call() {
            HealthCheckResponseBuilder b = HealthCheckResponse.named("model");
            ApplianceStatus.ModelState state = status.model();
            // active.json could not be followed at start (empty, unreadable, or naming no loadable bundle)
            if (state.fallback() != null) b.withData("fallback", state.fallback());
            ApplianceStatus.Serving m = state.serving();
            if (m == null) return b.down().withData("reason", state.notReady()).build();
            b.up().withData("name", m.name()).withData("version", m.version()).withData("backend", m.backend())
                    .withData("backend_reason", String.valueOf(m.backendReason()))
                    .withData("image_size", m.imageSize()).withData("demo", m.demo());
            ApplianceStatus.Batching batching = m.batching();
            if (batching != null) {   // what the warm-up measured on this backend, and what the worker uses
                b.withData("batch_size", batching.size()).withData("batch_latency_ms", batching.latencyMs())
                        .withData("batch1_latency_ms", batching.batch1LatencyMs()).withData("images_per_second", batching.imagesPerSecond())
                        .withData("deadline_ms", batching.deadlineMs()).withData("batch_sizing", batching.measured());
            }
            return b.build();
        }
    }

    /**
     * The state a PLC reads (STARTING, READY, FAULT with its reason) and the failed/late result counts. Always UP: a
     * FAULT (e.g. a camera sending broken images) is for the line to act on, and taking the appliance out of service
     * would stop the next good image from clearing it.
     */
    @Readiness
    @ApplicationScoped
    public static class Line implements HealthCheck {
        @Inject
        ApplianceStatus status;

        @Override
        public HealthCheckResponse call() {
            ApplianceStatus.LineStatus s = status.line();
            HealthCheckResponseBuilder b = HealthCheckResponse.named("line").up().withData("state", s.state().name())
                    .withData("failed_results", s.failed()).withData("late_results", s.late());
            if (s.reason() != null) b.withData("fault", s.reason());
            return b.build();
        }
    }

    @Readiness
    @ApplicationScoped
    public static class Mqtt implements HealthCheck {
        @Inject
        ApplianceStatus status;

        @Override
        public HealthCheckResponse call() {
            HealthCheckResponseBuilder b = HealthCheckResponse.named("mqtt").up();
            Optional<MqttPublisherStats> stats = status.mqtt();
            if (stats.isEmpty()) return b.withData("enabled", false).build();
            MqttPublisherStats s = stats.get();
            b.withData("enabled", true).withData("connected", s.connected()).withData("backlog", s.backlog())
                    .withData("published", s.published()).withData("dropped", s.dropped())
                    .withData("rejected", s.rejected()).withData("dead_lettered", s.deadLettered())
                    .withData("dead_letter_files", s.deadLetterFiles());
            if (s.lastError() != null) b.withData("last_error", String.valueOf(s.lastError()));
            return b.build();
        }
    }

    /**
     * The image archive's counters (written, dropped, failed, cleaned; entries and bytes on disk, last error). Always UP:
     * a full or failing archive disk never stops inspections.
     */
    @Readiness
    @ApplicationScoped
    public static class Archive implements HealthCheck {
        @Inject
        ApplianceStatus status;

        @Override
        public HealthCheckResponse call() {
            ApplianceStatus.ArchiveStatus a = status.archive();
            HealthCheckResponseBuilder b = HealthCheckResponse.named("archive").up().withData("enabled", a.enabled());
            if (a.error() != null) b.withData("error", a.error());
            dev.anomalyedge.archive.ArchiveStats s = a.stats();
            if (s == null) return b.build();
            b.withData("entries", s.entries()).withData("bytes", s.bytes()).withData("written", s.written())
                    .withData("dropped", s.dropped()).withData("failed", s.failed()).withData("cleaned", s.cleaned())
                    .withData("queued", s.queued());
            if (s.lastError() != null) b.withData("last_error", s.lastError());
            return b.build();
        }
    }
}
