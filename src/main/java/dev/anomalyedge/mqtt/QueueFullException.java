package dev.anomalyedge.mqtt;

/** A message was refused because the store-and-forward queue is full and its policy is {@link DropPolicy#REJECT_NEW}. */
public class QueueFullException extends IllegalStateException {
    public QueueFullException(String message) { super(message); }
}
