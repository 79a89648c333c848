package dev.anomalyedge.engine.trt;

import org.bytedeco.tensorrt.nvinfer.ILogger;
import org.jboss.logging.Logger;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * TensorRT's logger: forwards messages to JBoss Logging (errors as ERROR, warnings as WARN, info as DEBUG unless
 * {@code verbose}) and remembers the last errors so a failed call can say what TensorRT reported.
 *
 * <p>One per process ({@link #shared()}), never freed: TensorRT keeps a process-wide pointer to the logger it was
 * first given, and ILogger "must be valid until all objects created are released" - which, as the JavaCPP preset
 * never destroys builders, runtimes or engines (javacpp-presets#1699), is the end of the process. So nobody closes it:
 * it is not registered with any {@link NativeStack}, and the static reference keeps JavaCPP's garbage-collection
 * deallocator away. The error memory is shared as well: a caller clears it before the call whose errors it reports.
 */
final class TrtLogger extends ILogger {
    private static final Once<TrtLogger> SHARED = new Once<>(() -> new TrtLogger(false));

    private static final Logger LOG = Logger.getLogger("dev.anomalyedge.engine.trt.TensorRT");
    private static final int KEEP = 8;

    private final boolean verbose;
    private final Deque<String> errors = new ArrayDeque<>();

    private TrtLogger(boolean verbose) {
        this.verbose = verbose;
    }

    /** The process's logger; the first call allocates it (the TensorRT natives must be loaded: {@link TrtNatives#require()}). */
    static TrtLogger shared() {
        return SHARED.get();
    }

    @Override
    public void log(Severity severity, String msg) {
        Severity s = severity.intern();
        if (s == Severity.kINTERNAL_ERROR || s == Severity.kERROR) {
            LOG.error("TensorRT: " + msg);
            synchronized (errors) {
                if (errors.size() == KEEP) errors.removeFirst();
                errors.addLast(msg);
            }
        } else if (s == Severity.kWARNING) {
            LOG.warn("TensorRT: " + msg);
        } else if (s == Severity.kINFO) {
            if (verbose) LOG.info("TensorRT: " + msg);
            else LOG.debug("TensorRT: " + msg);
        } else {
            LOG.trace("TensorRT: " + msg);
        }
    }

    /** The last errors TensorRT reported, oldest first, joined for a message ("" if none). */
    String lastErrors() {
        synchronized (errors) {
            return errors.isEmpty() ? "" : "TensorRT said: " + String.join(" | ", List.copyOf(errors));
        }
    }

    void clearErrors() {
        synchronized (errors) {
            errors.clear();
        }
    }
}
