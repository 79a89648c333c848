package dev.anomalyedge.mqtt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;

class MqttSettingsTest {

    private static final Path QUEUE = Path.of("/tmp/q");

    private static String failure(Runnable build) {
        return assertThrows(IllegalArgumentException.class, build::run).getMessage();
    }

    @Test
    void defaultsAndTopics() {
        MqttSettings s = MqttSettings.builder("broker", 1883, QUEUE).build();
        assertEquals("anomaly", s.topicPrefix());
        assertEquals(1, s.resultQos());
        assertFalse(s.heatmapEnabled());
        assertEquals(0, s.heatmapQos());
        assertEquals(256L * 1024 * 1024, s.queueMaxBytes());
        assertEquals(DropPolicy.DROP_OLDEST, s.dropPolicy());
        assertTrue(s.username().isEmpty() && s.password().isEmpty() && s.trustStorePath().isEmpty());

        Topics t = Topics.of(s);
        assertEquals("anomaly/site1/area1/line1/cell1", t.base());
        assertEquals("anomaly/site1/area1/line1/cell1/result", t.result());
        assertEquals("anomaly/site1/area1/line1/cell1/status", t.status());
        assertEquals("anomaly/site1/area1/line1/cell1/heatmap", t.heatmap());

        Topics versioned = Topics.of(MqttSettings.builder("b", 1883, QUEUE).topicPrefix("v1.0/acme")
                .isa95("berlin", "paint", "l-7", "cell_2").build());
        assertEquals("v1.0/acme/berlin/paint/l-7/cell_2/result", versioned.result());
    }

    @Test
    void topicLevelsAreCheckedWithClearMessages() {
        assertEquals("appliance.mqtt.line must not contain spaces, found 'line 7'",
                failure(() -> MqttSettings.builder("b", 1883, QUEUE).isa95("s", "a", "line 7", "c").build()));
        for (String bad : new String[] {"a+b", "a#", "a/b", "$SYS"}) {
            String m = failure(() -> MqttSettings.builder("b", 1883, QUEUE).isa95(bad, "a", "l", "c").build());
            assertTrue(m.startsWith("appliance.mqtt.site must not contain '") && m.contains("found '" + bad + "'"), m);
        }
        assertEquals("appliance.mqtt.cell must not be empty",
                failure(() -> MqttSettings.builder("b", 1883, QUEUE).isa95("s", "a", "l", "").build()));
        assertTrue(failure(() -> MqttSettings.builder("b", 1883, QUEUE).topicPrefix("v1//x").build())
                .contains("mqtt.topic-prefix level 2 of 'v1//x' must not be empty"));
        assertTrue(failure(() -> MqttSettings.builder("b", 1883, QUEUE).topicPrefix("/anomaly").build())
                .contains("must not be empty"));
        assertTrue(failure(() -> MqttSettings.builder("b", 1883, QUEUE).topicPrefix("anomaly/#").build())
                .contains("'#'"));
    }

    @Test
    void otherSettingsAreChecked() {
        assertTrue(failure(() -> MqttSettings.builder("b", 0, QUEUE).build()).contains("mqtt.port"));
        assertTrue(failure(() -> MqttSettings.builder(" ", 1883, QUEUE).build()).contains("mqtt.host"));
        assertTrue(failure(() -> MqttSettings.builder("b", 1883, QUEUE).resultQos(0).build()).contains("result-qos must be 1 or 2"));
        assertTrue(failure(() -> MqttSettings.builder("b", 1883, QUEUE).heatmap(true, 3).build()).contains("appliance.mqtt.heatmap.qos"));
        assertTrue(failure(() -> MqttSettings.builder("b", 1883, QUEUE).queueMaxBytes(0).build()).contains("appliance.mqtt.queue.max-bytes"));
        assertTrue(failure(() -> MqttSettings.builder("b", 1883, QUEUE).queueMaxMessages(-1).build()).contains("appliance.mqtt.queue.max-messages"));
        assertTrue(failure(() -> MqttSettings.builder("b", 1883, QUEUE).credentials(null, "secret").build())
                .contains("appliance.mqtt.password is set but appliance.mqtt.username is not"));
        assertTrue(failure(() -> MqttSettings.builder("b", 1883, QUEUE).trustStore(Path.of("t.p12"), "x").build())
                .contains("mqtt.tls is false"));
        assertTrue(failure(() -> MqttSettings.builder("b", 1883, QUEUE)
                .reconnectDelay(Duration.ofSeconds(5), Duration.ofSeconds(1)).build()).contains("reconnect-max-delay"));
        assertTrue(failure(() -> MqttSettings.builder("b", 1883, QUEUE)
                .reconnectDelay(Duration.ZERO, Duration.ofSeconds(1)).build()).contains("reconnect-min-delay"));
    }

    @Test
    void aMissingTrustStoreIsReportedWhenThePublisherIsBuilt(@org.junit.jupiter.api.io.TempDir Path tmp) {
        MqttSettings s = MqttSettings.builder("127.0.0.1", 8883, tmp.resolve("q")).tls(true)
                .trustStore(tmp.resolve("missing.p12"), "changeit").build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new MqttResultPublisher(s, () -> StatusSnapshot.ready(ModelIdentity.UNKNOWN)));
        assertTrue(e.getMessage().contains("cannot load appliance.mqtt.trust-store") && e.getMessage().contains("missing.p12"),
                e.getMessage());
    }
}
