package dev.anomalyedge.sparkplug;

import dev.anomalyedge.mqtt.MqttSettings;

/**
 * The Sparkplug B identity of the appliance: group, edge node and device ids ({@code appliance.sparkplug.group-id},
 * {@code …edge-node-id}, {@code …device-id}), and the topics they name. Each id is one topic level (no spaces, none of
 * {@code + # / $}), as Sparkplug requires.
 */
public record SparkplugSettings(String groupId, String edgeNodeId, String deviceId) {

    /** The Sparkplug B namespace, the first topic level. */
    public static final String NAMESPACE = "spBv1.0";

    public SparkplugSettings {
        MqttSettings.validateTopicLevel("appliance.sparkplug.group-id", groupId);
        MqttSettings.validateTopicLevel("appliance.sparkplug.edge-node-id", edgeNodeId);
        MqttSettings.validateTopicLevel("appliance.sparkplug.device-id", deviceId);
    }

    /** {@code spBv1.0/<group>/<type>/<edge-node>} for NBIRTH, NDEATH, NDATA, NCMD. */
    public String nodeTopic(String type) {
        return NAMESPACE + "/" + groupId + "/" + type + "/" + edgeNodeId;
    }

    /** {@code spBv1.0/<group>/<type>/<edge-node>/<device>} for DBIRTH, DDATA, DDEATH, DCMD. */
    public String deviceTopic(String type) {
        return nodeTopic(type) + "/" + deviceId;
    }
}
