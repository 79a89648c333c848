package dev.anomalyedge.mqtt;

/**
 * A snapshot of the publisher's state, e.g. for health checks and metrics.
 *
 * @param connected         an MQTT connection is up
 * @param published         results the broker acknowledged (this process)
 * @param backlog           results waiting in the store-and-forward queue (includes the one in flight)
 * @param backlogBytes      bytes of that backlog on disk
 * @param dropped           results dropped or refused by the queue bounds, or lost to damaged records, since the
 *                          queue was made
 * @param rejected          broker refusals of results (PUBACK/PUBREC error reason codes), whether retried or
 *                          dead-lettered (this process)
 * @param deadLettered      results moved to the dead-letter store because they can never be delivered (this process)
 * @param deadLetterFiles   dead letters on disk now (see {@link MqttSettings#deadLetterDir()})
 * @param heatmapsPublished heatmaps sent (this process)
 * @param heatmapsSkipped   heatmaps not sent because the connection was down or the send failed (this process)
 * @param lastError         the latest connection or publish problem, or null
 */
public record MqttPublisherStats(boolean connected, long published, long backlog, long backlogBytes, long dropped,
                                 long rejected, long deadLettered, long deadLetterFiles, long heatmapsPublished,
                                 long heatmapsSkipped, String lastError) {
}
