package dev.anomalyedge.api;

import dev.anomalyedge.inspection.LoadedModel;
import dev.anomalyedge.mqtt.MqttPublisherStats;
import dev.anomalyedge.service.ApplianceRuntime;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.health.Readiness;

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
        ApplianceRuntime runtime;

        @Override
        public HealthCheckResponse call() {
            if (runtime.worker() == null) return HealthCheckResponse.named("appliance").up().build(); // not serving (one-shot command)
            var stuckAfter = runtime.config().batching().stuckAfter();
            return runtime.worker().unhealthy(stuckAfter)
                    .map(reason -> HealthCheckResponse.named("appliance").down().withData("reason", reason).build())
                    .orElseGet(() -> HealthCheckResponse.named("appliance").up().build());
        }
    }

    @Readiness
    @ApplicationScoped
    public static class Model implements HealthCheck {
        @Inject
        ApplianceRuntime runtime;

        @Override
        public HealthCheckResponse call() {
            HealthCheckResponseBuilder b = HealthCheckResponse.named("model");
            LoadedModel m = runtime.models() == null ? null : runtime.models().current();
            // active.json could not be followed at start (empty, unreadable, or naming no loadable bundle)
            if (runtime.models() != null) runtime.models().repository().fallbackReason().ifPresent(r -> b.withData("fallback", r));
            if (m == null) {
                b.down().withData("reason", runtime.startupError() != null ? runtime.startupError() : "loading and warming up");
                return b.build();
            }
            return b.up().withData("name", m.name()).withData("version", m.version()).withData("backend", m.engine().backend())
                    .withData("backend_reason", String.valueOf(runtime.engineReason()))
                    .withData("image_size", m.imageSize()).withData("demo", m.bundle().manifest().demo()).build();
        }
    }

    @Readiness
    @ApplicationScoped
    public static class Mqtt implements HealthCheck {
        @Inject
        ApplianceRuntime runtime;

        @Override
        public HealthCheckResponse call() {
            HealthCheckResponseBuilder b = HealthCheckResponse.named("mqtt").up();
            if (!runtime.mqttEnabled()) return b.withData("enabled", false).build();
            MqttPublisherStats s = runtime.mqttStats().orElseThrow();
            b.withData("enabled", true).withData("connected", s.connected()).withData("backlog", s.backlog())
                    .withData("published", s.published()).withData("dropped", s.dropped())
                    .withData("rejected", s.rejected()).withData("dead_lettered", s.deadLettered())
                    .withData("dead_letter_files", s.deadLetterFiles());
            if (s.lastError() != null) b.withData("last_error", String.valueOf(s.lastError()));
            return b.build();
        }
    }
}
