package dev.anomalyedge.engine.trt;

import dev.anomalyedge.engine.EngineException;
import org.bytedeco.javacpp.Pointer;
import org.jboss.logging.Logger;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The one owner of a group of native handles: each is registered right after it is created, and {@link #close()}
 * releases them in reverse order of creation, also when construction failed half way. A release that throws does not
 * stop the others; the first failure is rethrown with the rest suppressed.
 *
 * <p>TensorRT objects returned by {@code create*}/{@code deserialize*} are released with {@link Pointer#close()}.
 * Note: the JavaCPP 1.5.13 TensorRT preset does not attach a C++ deleter to those returned objects
 * (bytedeco/javacpp-presets#1699), so their close only drops the Java reference and TensorRT frees them at process
 * exit. Objects this code allocates (dims, pinned and device memory, streams) are released for real; the TensorRT
 * logger is process-wide and never released ({@link TrtLogger#shared()}).
 */
public final class NativeStack implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(NativeStack.class);

    /** A release action that may throw (e.g. a CUDA free whose status is checked). */
    @FunctionalInterface
    public interface Release {
        void run() throws Exception;
    }

    private record Entry(String what, Release release) {}

    private final String owner;
    private final Deque<Entry> entries = new ArrayDeque<>();
    private boolean closed;

    /** @param owner what these handles belong to, for messages (e.g. "TensorRT engine visual-fp16.plan") */
    public NativeStack(String owner) {
        this.owner = owner;
    }

    /**
     * Registers a JavaCPP object returned by a native call; a null or NULL result is the failure of {@code what} and
     * throws. Returns {@code p}.
     */
    public <P extends Pointer> P own(String what, P p) {
        return own(what, p, null);
    }

    /** As {@link #own(String, Pointer)}, with a hint appended to the failure message (e.g. TensorRT's last error). */
    public <P extends Pointer> P own(String what, P p, String hintIfNull) {
        if (p == null || p.isNull()) {
            throw new EngineException(owner + ": " + what + " failed (returned NULL)"
                    + (hintIfNull == null || hintIfNull.isBlank() ? "" : ": " + hintIfNull));
        }
        push(what, p::close);
        return p;
    }

    /** Registers a release action for something already created (device memory, a stream, ...). */
    public void push(String what, Release release) {
        if (closed) throw new IllegalStateException(owner + ": cannot register '" + what + "' after close");
        entries.push(new Entry(what, release));
    }

    /** How many handles are held. */
    public int size() {
        return entries.size();
    }

    /**
     * Releases what is held after {@code failure} stopped the construction of its owner half way; a failure to release
     * is added to {@code failure} as suppressed, so the first cause stays the one reported.
     */
    public void closeAfter(Throwable failure) {
        try {
            close();
        } catch (RuntimeException suppressed) {
            failure.addSuppressed(suppressed);
        }
    }

    /** Releases everything in reverse order of registration; idempotent. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        EngineException failure = null;
        while (!entries.isEmpty()) {
            Entry e = entries.pop();
            try {
                e.release().run();
            } catch (Exception | LinkageError ex) {
                LOG.warnf("%s: releasing %s failed: %s", owner, e.what(), ex);
                EngineException wrapped = new EngineException(owner + ": releasing " + e.what() + " failed: " + ex.getMessage(), ex);
                if (failure == null) failure = wrapped;
                else failure.addSuppressed(wrapped);
            }
        }
        if (failure != null) throw failure;
    }
}
