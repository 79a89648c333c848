package dev.anomalyedge.sparkplug;

import dev.anomalyedge.mqtt.BrokerResource;

import java.nio.file.Path;
import java.util.Map;

/**
 * The embedded broker of {@link BrokerResource}, with the appliance a Sparkplug edge node on it and the plain MQTT
 * publisher off (Sparkplug needs only the broker settings of {@code appliance.mqtt.*}).
 */
public class SparkplugBrokerResource extends BrokerResource {
    @Override
    protected Map<String, String> settings(int port, Path queue) {
        return Map.of("appliance.mqtt.enabled", "false",
                "appliance.mqtt.host", "127.0.0.1",
                "appliance.mqtt.port", Integer.toString(port),
                "appliance.mqtt.queue.dir", queue.toString(),
                "appliance.mqtt.client-id", "appliance-under-test",
                "appliance.sparkplug.enabled", "true",
                "appliance.sparkplug.group-id", "plant",
                "appliance.sparkplug.edge-node-id", "line7",
                "appliance.sparkplug.device-id", "cam1");
    }
}
