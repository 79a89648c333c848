package dev.anomalyedge.mqtt;

/**
 * A snapshot of the publisher's state, e.g. for health checks and metrics.
 *
 * @param connected         an MQTT connection is up
 * @param published         results the broker acknowledged (this process)
 * @param backlog           results waiting in the store-and-forward queue (includes the one in flight)
 * @param backlogBytes      bytes of that backlog on disk
 * @param dropped           results dropped or refused by the queue bounds, since the queue was made
 * @param rejected          results the broker refused with an error reason code (removed from the queue, this process)
 * @param heatmapsPublished heatmaps sent (this process)
 * @param heatmapsSkipped   heatmaps not sent because the connection was down or the send failed (this process)
 * @param lastError         the latest connection or publish problem, or null
 */
public record MqttPublisherStats(boolean connected, long published, long backlog, long backlogBytes, long dropped,
                                 long rejected, long heatmapsPublished, long heatmapsSkipped, String lastError) {
}
