package dev.anomalyedge.config;

import dev.anomalyedge.engine.select.EngineMode;
import dev.anomalyedge.engine.trt.TrtPrecision;
import dev.anomalyedge.mqtt.DropPolicy;
import dev.anomalyedge.mqtt.ModelIdentity;
import dev.anomalyedge.mqtt.StatusSnapshot;
import dev.anomalyedge.mqtt.MqttResultPublisher;
import dev.anomalyedge.mqtt.MqttSettings;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.ConfigValidationException;
import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code appliance.*} mapping as the application reads it: its defaults are the documented ones, the choices are
 * enums that accept today's spellings, and a wrong value fails the start with a message that names the setting and the
 * allowed values.
 */
class ApplianceConfigTest {

    /** The mapping over {@code settings}, built as Quarkus builds it (durations such as "10s" as Quarkus reads them). */
    static ApplianceConfig config(Map<String, String> settings) {
        return new SmallRyeConfigBuilder()
                .withMapping(ApplianceConfig.class)
                .withConverter(Duration.class, 100, new DurationConverter())
                .withSources(new PropertiesConfigSource(settings, "test", 500))
                .build()
                .getConfigMapping(ApplianceConfig.class);
    }

    /** The start's failure for one bad setting. */
    static String failure(String key, String value) {
        return assertThrows(ConfigValidationException.class, () -> config(Map.of(key, value))).getMessage();
    }

    @Test
    void defaultsAreTheDocumentedOnes() {
        ApplianceConfig c = config(Map.of());
        assertEquals(EngineMode.AUTO, c.engine().backend());
        assertEquals(TrtPrecision.FP16, c.engine().precision());
        assertEquals(32, c.engine().maxBatch());
        assertEquals(4096, c.engine().workspaceMib());
        assertEquals(Path.of("models"), c.models().dir());
        assertEquals(4, c.batching().maxBatchSize());
        assertEquals(Duration.ofMillis(5), c.batching().maxWait());
        assertEquals(Duration.ofSeconds(10), c.batching().deadline());

        ApplianceConfig.Mqtt m = c.mqtt();
        assertFalse(m.enabled());
        assertEquals("localhost", m.host());
        assertEquals(1883, m.port());
        assertEquals("anomaly-appliance", m.clientId());
        assertEquals("anomaly", m.topicPrefix());
        assertEquals(DropPolicy.DROP_OLDEST, m.dropPolicy());
        assertEquals(Path.of("mqtt-queue"), m.queueDir());
        assertEquals(Path.of("mqtt-queue", "dead-letter"), m.deadLetterDir());
        assertEquals(256L << 20, m.queueMaxBytes());
        assertEquals(1_000_000L, m.queueMaxMessages());
        assertEquals(Duration.ofSeconds(1), m.reconnectMinDelay());
        assertEquals(Duration.ofMinutes(2), m.reconnectMaxDelay());
        assertEquals(64L << 20, m.deadLetterMaxBytes());
        assertTrue(m.username().isEmpty() && m.trustStorePath().isEmpty());
    }

    @Test
    void theArchiveIsOffByDefaultAndItsSettingsReadAsDocumented() {
        ApplianceConfig.Archive a = config(Map.of()).archive();
        assertFalse(a.enabled());
        assertEquals(Path.of("archive"), a.dir());
        assertEquals(dev.anomalyedge.archive.Keep.NG, a.keep());
        assertEquals(1.0, a.okSampleRate());
        assertEquals(10L << 30, a.maxBytes());
        assertEquals(Duration.ofDays(30), a.maxAge());
        assertEquals(1L << 30, a.minFreeBytes());
        ApplianceConfig.Archive set = config(Map.of("appliance.archive.keep", "all", "appliance.archive.ok-sample-rate", "0.01",
                "appliance.archive.max-age", "0")).archive();
        assertEquals(dev.anomalyedge.archive.Keep.ALL, set.keep());
        assertEquals(0.01, set.okSampleRate());
        assertEquals(Duration.ZERO, set.maxAge());
        assertTrue(failure("appliance.archive.keep", "SOME").contains("appliance.archive.keep"));
    }

    @Test
    void theMqttGroupIsTheSettingsThePublisherTakesWithTheBuildersDefaults() {
        ApplianceConfig.Mqtt fromConfig = config(Map.of("appliance.mqtt.host", "broker", "appliance.mqtt.queue.dir", "/q")).mqtt();
        MqttSettings built = MqttSettings.builder("broker", 1883, Path.of("/q")).enabled(false).build();
        assertEquals(built, new MqttSettings.Values(fromConfig.enabled(), fromConfig.host(), fromConfig.port(),
                fromConfig.clientId(), fromConfig.username(), fromConfig.password(), fromConfig.tls(),
                fromConfig.trustStorePath(), fromConfig.trustStorePassword(), fromConfig.topicPrefix(), fromConfig.site(),
                fromConfig.area(), fromConfig.line(), fromConfig.cell(), fromConfig.resultQos(), fromConfig.heatmapEnabled(),
                fromConfig.heatmapQos(), fromConfig.triggerEnabled(), fromConfig.queueDir(), fromConfig.queueMaxBytes(), fromConfig.queueMaxMessages(),
                fromConfig.dropPolicy(), fromConfig.reconnectMinDelay(), fromConfig.reconnectMaxDelay(),
                fromConfig.deadLetterMaxMessages(), fromConfig.deadLetterMaxBytes()), "one set of defaults");
        assertEquals(fromConfig, MqttSettings.validate(fromConfig), "the defaults are valid");
    }

    @Test
    void nestedMqttSettingsKeepTheirNames() {
        ApplianceConfig.Mqtt m = config(Map.of(
                "appliance.mqtt.heatmap.enabled", "true",
                "appliance.mqtt.heatmap.qos", "1",
                "appliance.mqtt.trigger.enabled", "true",
                "appliance.mqtt.queue.dir", "/var/lib/q",
                "appliance.mqtt.queue.max-messages", "7",
                "appliance.mqtt.dead-letter.max-messages", "3",
                "appliance.mqtt.trust-store", "/etc/ca.p12",
                "appliance.mqtt.client-id", "cell-7")).mqtt();
        assertTrue(m.heatmapEnabled());
        assertEquals(1, m.heatmapQos());
        assertTrue(m.triggerEnabled());
        assertEquals(Path.of("/var/lib/q"), m.queueDir());
        assertEquals(7, m.queueMaxMessages());
        assertEquals(3, m.deadLetterMaxMessages());
        assertEquals(Path.of("/etc/ca.p12"), m.trustStorePath().orElseThrow());
        assertEquals("cell-7", m.clientId());
    }

    @Test
    void choicesAcceptTheSpellingsInUse() {
        Map<String, EngineMode> backends = Map.of("auto", EngineMode.AUTO, "onnxruntime", EngineMode.ONNXRUNTIME,
                "tensorrt", EngineMode.TENSORRT, "TensorRT", EngineMode.TENSORRT, " AUTO ", EngineMode.AUTO, "OnnxRuntime", EngineMode.ONNXRUNTIME);
        backends.forEach((text, mode) -> assertEquals(mode, config(Map.of("appliance.engine.backend", text)).engine().backend(), text));
        for (String fp32 : new String[] {"fp32", "FP32", " Fp32 "}) {
            assertEquals(TrtPrecision.FP32, config(Map.of("appliance.engine.precision", fp32)).engine().precision());
        }
        Map<String, DropPolicy> policies = Map.of("DROP_OLDEST", DropPolicy.DROP_OLDEST, "drop-oldest", DropPolicy.DROP_OLDEST,
                "REJECT_NEW", DropPolicy.REJECT_NEW, "reject_new", DropPolicy.REJECT_NEW, "reject-new", DropPolicy.REJECT_NEW, " Drop_Oldest ", DropPolicy.DROP_OLDEST);
        policies.forEach((text, p) -> assertEquals(p, config(Map.of("appliance.mqtt.queue.drop-policy", text)).mqtt().dropPolicy(), text));
    }

    @Test
    void theEnvironmentVariableOfANestedSettingIsRead() {
        ApplianceConfig c = new SmallRyeConfigBuilder()
                .withMapping(ApplianceConfig.class)
                .withConverter(Duration.class, 100, new DurationConverter())
                .withSources(new EnvConfigSource(Map.of("APPLIANCE_MQTT_QUEUE_DROP_POLICY", "REJECT_NEW",
                        "APPLIANCE_ENGINE_BACKEND", "onnxruntime"), 300))
                .build()
                .getConfigMapping(ApplianceConfig.class);
        assertEquals(DropPolicy.REJECT_NEW, c.mqtt().dropPolicy());
        assertEquals(EngineMode.ONNXRUNTIME, c.engine().backend());
    }

    @Test
    void aWrongChoiceFailsTheStartNamingTheSettingAndTheAllowedValues() {
        String backend = failure("appliance.engine.backend", "cuda");
        assertTrue(backend.contains("appliance.engine.backend") && backend.contains("cuda"), backend);
        assertTrue(backend.contains("auto") && backend.contains("tensorrt") && backend.contains("onnxruntime"), backend);

        String precision = failure("appliance.engine.precision", "int8");
        assertTrue(precision.contains("appliance.engine.precision") && precision.contains("fp16") && precision.contains("fp32"), precision);

        String policy = failure("appliance.mqtt.queue.drop-policy", "DROP_NEWEST");
        assertTrue(policy.contains("appliance.mqtt.queue.drop-policy") && policy.contains("DROP_OLDEST")
                && policy.contains("REJECT_NEW"), policy);
    }

    @Test
    void aWrongMqttValueIsReportedUnderItsRealName() {
        ApplianceConfig.Mqtt qos0 = config(Map.of("appliance.mqtt.result-qos", "0")).mqtt();
        assertTrue(assertThrows(IllegalArgumentException.class, () -> MqttSettings.validate(qos0)).getMessage()
                .startsWith("appliance.mqtt.result-qos must be 1 or 2"));
        ApplianceConfig.Mqtt badLevel = config(Map.of("appliance.mqtt.line", "line 7")).mqtt();
        assertEquals("appliance.mqtt.line must not contain spaces, found 'line 7'",
                assertThrows(IllegalArgumentException.class, () -> MqttSettings.validate(badLevel)).getMessage());
        String port = failure("appliance.mqtt.port", "mqtt");
        assertTrue(port.contains("appliance.mqtt.port"), port);
    }

    @Test
    void thePublisherTakesTheMappingAsItIsAndChecksItBeforeOpeningAnything(@TempDir Path tmp) {
        Path queue = tmp.resolve("queue");
        ApplianceConfig.Mqtt m = config(Map.of("appliance.mqtt.enabled", "true", "appliance.mqtt.queue.dir", queue.toString(),
                "appliance.mqtt.password", "secret")).mqtt();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new MqttResultPublisher(m, () -> StatusSnapshot.ready(ModelIdentity.UNKNOWN)));
        assertTrue(e.getMessage().startsWith("appliance.mqtt.password is set but appliance.mqtt.username is not"), e.getMessage());
        assertFalse(Files.exists(queue), "no queue folder was created");
    }
}
