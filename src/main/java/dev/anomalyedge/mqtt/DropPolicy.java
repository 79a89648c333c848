package dev.anomalyedge.mqtt;

import java.util.Locale;

/** What the {@link StoreAndForwardQueue} does when a new message would exceed its byte or message bound. */
public enum DropPolicy {
    /** Make room by dropping (and counting) the oldest unacknowledged messages; the new one is always kept. */
    DROP_OLDEST,
    /** Keep the backlog as it is and refuse (and count) the new message with a {@link QueueFullException}. */
    REJECT_NEW;

    /** {@code DROP_OLDEST} or {@code REJECT_NEW} in any case, with '_' or '-' ({@code drop-oldest}); blanks around ignored. */
    public static DropPolicy parse(String text) {
        if (text != null) {
            String name = text.trim().toUpperCase(Locale.ROOT).replace('-', '_');
            for (DropPolicy p : values()) if (p.name().equals(name)) return p;
        }
        throw new IllegalArgumentException("drop policy must be DROP_OLDEST or REJECT_NEW (or drop-oldest, reject-new); got '" + text + "'");
    }
}
