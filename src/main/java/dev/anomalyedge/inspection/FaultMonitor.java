package dev.anomalyedge.inspection;

import java.util.Optional;

/**
 * Watches the stream of results for a line that no longer gets answers it can use: after {@code limit} consecutive
 * ERROR results the appliance is in FAULT, with the last error as the reason, until the next inspected result. Also
 * counts late results (deadline missed) and failed ones. Thread-safe.
 */
public final class FaultMonitor {
    private final int limit;
    private int consecutive;
    private String lastError;
    private long late;
    private long failed;

    /** @param limit consecutive ERROR results that make a FAULT; 0 = never */
    public FaultMonitor(int limit) {
        if (limit < 0) throw new IllegalArgumentException("appliance.fault.after-consecutive-failures must be >= 0, got " + limit);
        this.limit = limit;
    }

    /** Takes one result into account; true when this changed whether the appliance is in FAULT. */
    public synchronized boolean record(InspectionResult r) {
        boolean before = faulted();
        if (r.failed()) {
            consecutive++;
            failed++;
            if (ErrorCode.DEADLINE_EXCEEDED.id().equals(r.error().code())) late++;
            lastError = r.error().code() + ": " + r.error().detail();
        } else {
            consecutive = 0;
        }
        return before != faulted();
    }

    /** Why the appliance is in FAULT, or empty when it is not. */
    public synchronized Optional<String> fault() {
        return faulted() ? Optional.of(consecutive + " consecutive results failed; last " + lastError) : Optional.empty();
    }

    /** Results that missed their deadline so far. */
    public synchronized long late() { return late; }

    /** ERROR results so far. */
    public synchronized long failed() { return failed; }

    private boolean faulted() {
        return limit > 0 && consecutive >= limit;
    }
}
