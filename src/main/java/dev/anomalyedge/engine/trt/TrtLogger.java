package dev.anomalyedge.engine.trt;

import org.bytedeco.tensorrt.nvinfer.ILogger;
import org.jboss.logging.Logger;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * TensorRT's logger: forwards messages to JBoss Logging (errors as ERROR, warnings as WARN, info as DEBUG unless
 * {@code verbose}) and remembers the last errors so a failed call can say what TensorRT reported. Needs the natives
 * (the constructor allocates the C++ side); it must outlive every TensorRT object that was given it.
 */
final class TrtLogger extends ILogger {
    private static final Logger LOG = Logger.getLogger("dev.anomalyedge.engine.trt.TensorRT");
    private static final int KEEP = 8;

    private final boolean verbose;
    private final Deque<String> errors = new ArrayDeque<>();

    TrtLogger(boolean verbose) {
        this.verbose = verbose;
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
