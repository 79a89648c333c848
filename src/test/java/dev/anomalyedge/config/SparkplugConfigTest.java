package dev.anomalyedge.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;

/** {@code appliance.sparkplug.*}: off by default, with the documented ids, and read as given. */
class SparkplugConfigTest {

    @Test
    void defaultsAndValues() {
        ApplianceConfig.Sparkplug d = ApplianceConfigTest.config(Map.of()).sparkplug();
        assertFalse(d.enabled());
        assertEquals("anomaly", d.groupId());
        assertEquals("appliance1", d.edgeNodeId());
        assertEquals("inspection", d.deviceId());

        ApplianceConfig.Sparkplug s = ApplianceConfigTest.config(Map.of("appliance.sparkplug.enabled", "true",
                "appliance.sparkplug.group-id", "acme-site1", "appliance.sparkplug.edge-node-id", "line7",
                "appliance.sparkplug.device-id", "cell3")).sparkplug();
        assertTrue(s.enabled());
        assertEquals("acme-site1", s.groupId());
        assertEquals("line7", s.edgeNodeId());
        assertEquals("cell3", s.deviceId());
    }
}
