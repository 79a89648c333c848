package dev.anomalyedge.deploy;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The yardstick the deployment tests measure with: it must know the real settings and reject made-up ones. */
class ApplianceSettingsTest {

    @Test
    void readsNestedSettingsWithTheirNamesAndDefaults() {
        Map<String, String> p = ApplianceSettings.properties();
        assertEquals("models", p.get("appliance.models.dir"));
        assertEquals("mqtt-queue", p.get("appliance.mqtt.queue.dir"));
        assertEquals("268435456", p.get("appliance.mqtt.queue.max-bytes"));
        assertEquals("4", p.get("appliance.batching.max-batch-size"));
        assertTrue(p.containsKey("appliance.api-key"), "optional settings are listed (no default)");
        assertTrue(p.containsKey("appliance.mqtt.password"));
        assertFalse(p.containsKey("appliance.mqtt"), "groups are not settings");
    }

    @Test
    void knowsTheFoldersTheApplianceWrites() {
        assertEquals(java.util.Set.of("appliance.models.dir", "appliance.mqtt.queue.dir", "appliance.archive.dir", "appliance.training.cache-dir"),
                ApplianceSettings.writtenFolders(), "a file it only reads (the trust store) is not one of them");
        assertEquals(String.valueOf(dev.anomalyedge.training.TrainRequest.DEFAULT_CACHE_BYTES),
                ApplianceSettings.defaultOf("appliance.training.cache-max-bytes"), "the service's bound is the CLI's default");
    }

    @Test
    void mapsEnvironmentVariablesTheWayMicroProfileConfigDoes() {
        assertEquals("APPLIANCE_MQTT_QUEUE_MAX_BYTES", ApplianceSettings.envName("appliance.mqtt.queue.max-bytes"));
        assertTrue(ApplianceSettings.isSetting("APPLIANCE_MQTT_QUEUE_MAX_BYTES"));
        assertTrue(ApplianceSettings.isSetting("APPLIANCE_API_KEY"));
        assertTrue(ApplianceSettings.isSetting("QUARKUS_HTTP_PORT"));
        assertFalse(ApplianceSettings.isSetting("APPLIANCE_MQTT_QUEUE_MAXBYTES"), "a misspelt name is caught");
        assertFalse(ApplianceSettings.isSetting("APPLIANCE_MODEL_DIR"));
        assertFalse(ApplianceSettings.isSetting("QUARKUS_HTTP_PROT"));
        assertFalse(ApplianceSettings.isSetting("JAVA_OPTS"));
    }

    @Test
    void healthEndpointsAndPortComeFromTheApplicationsConfiguration() {
        assertEquals(8080, ApplianceSettings.httpPort());
        assertEquals("/q/health/live", ApplianceSettings.livenessPath());
        assertEquals("/q/health/ready", ApplianceSettings.readinessPath());
    }
}
