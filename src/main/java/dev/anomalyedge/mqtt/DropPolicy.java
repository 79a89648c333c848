package dev.anomalyedge.mqtt;

/** What the {@link StoreAndForwardQueue} does when a new message would exceed its byte or message bound. */
public enum DropPolicy {
    /** Make room by dropping (and counting) the oldest unacknowledged messages; the new one is always kept. */
    DROP_OLDEST,
    /** Keep the backlog as it is and refuse (and count) the new message with a {@link QueueFullException}. */
    REJECT_NEW
}
