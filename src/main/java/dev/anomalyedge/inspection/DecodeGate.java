package dev.anomalyedge.inspection;

import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The decode boundary: decoding and pre-processing run on the callers' (HTTP worker) threads before the bounded
 * inference queue, so this bounds how many run at once. A caller waits at most {@code maxWait} for a slot, then is
 * refused with {@link InspectionException.Kind#UNAVAILABLE} (503 + Retry-After); an {@link OutOfMemoryError} inside
 * is logged and answered the same way, never passed on.
 */
public final class DecodeGate {
    private static final Logger LOG = Logger.getLogger(DecodeGate.class);

    private final int slots;
    private final Duration maxWait;
    private final Semaphore permits;

    public DecodeGate(int slots, Duration maxWait) {
        if (slots < 1) throw new IllegalArgumentException("decode slots must be >= 1, got " + slots);
        if (maxWait.isNegative()) throw new IllegalArgumentException("decode wait must not be negative, got " + maxWait);
        this.slots = slots;
        this.maxWait = maxWait;
        this.permits = new Semaphore(slots, true);
    }

    /**
     * The default number of slots: no more decodes than cores (decoding is CPU-bound), and no more than half the heap
     * divided by what one decode may hold; at least 1.
     */
    public static int autoSlots(int cores, long maxHeapBytes, long maxDecodedBytes) {
        long byHeap = maxHeapBytes / 2 / Math.max(1, maxDecodedBytes);
        return (int) Math.max(1, Math.min(cores, byHeap));
    }

    public int slots() { return slots; }

    /** Slots in use now. */
    public int busy() { return slots - permits.availablePermits(); }

    /** Runs {@code work} in a slot; {@code source} names the image in messages. */
    public <T> T run(String source, Supplier<T> work) {
        try {
            if (!permits.tryAcquire(maxWait.toNanos(), TimeUnit.NANOSECONDS)) {
                throw new InspectionException(ErrorCode.BUSY, "all " + slots
                        + " image decode slots are busy (appliance.decode.max-concurrent); retry shortly");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InspectionException(InspectionException.Kind.UNAVAILABLE, "interrupted while waiting for a decode slot");
        }
        try {
            return work.get();
        } catch (OutOfMemoryError e) {
            LOG.errorf("out of memory while decoding %s (%d of %d decode slots busy): answered 503; lower "
                    + "appliance.decode.max-concurrent or appliance.limits.max-decoded-bytes, or give the JVM more heap (%s)",
                    source, busy(), slots, e.getMessage());
            throw new InspectionException(ErrorCode.BUSY,
                    source + ": not enough memory to decode this image now; retry shortly");
        } finally {
            permits.release();
        }
    }
}
