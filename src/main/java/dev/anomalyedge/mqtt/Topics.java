package dev.anomalyedge.mqtt;

/**
 * The appliance's topics under one ISA-95 / Unified Namespace base {@code <prefix>/<site>/<area>/<line>/<cell>}:
 * {@code …/result} (inspection results, JSON), {@code …/status} (retained birth / Last Will, JSON) and
 * {@code …/heatmap} (PNG); {@code …/trigger} (images to inspect, with {@code appliance.mqtt.trigger.enabled}).
 */
public record Topics(String base) {

    public static Topics of(MqttSettings s) {
        return new Topics(String.join("/", s.topicPrefix(), s.site(), s.area(), s.line(), s.cell()));
    }

    public String result() { return base + "/result"; }

    public String status() { return base + "/status"; }

    public String heatmap() { return base + "/heatmap"; }

    public String trigger() { return base + "/trigger"; }
}
