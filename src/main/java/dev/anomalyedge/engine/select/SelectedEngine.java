package dev.anomalyedge.engine.select;

import dev.anomalyedge.engine.AnomalyEngine;
import dev.anomalyedge.engine.BankSearch;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The engine that was chosen, which backend it is, and why. The caller owns {@code engine} (closing this closes it).
 *
 * @param engine  the open engine
 * @param backend "tensorrt-fp16", "tensorrt-fp32" or "onnxruntime-cpu"
 * @param reason  one line for logs, health and the status message (what was found, what was built or why a fallback)
 * @param deviceSearch the few-shot bank search on the engine's device (TensorRT's head plan), null without one; closed
 *                with this unless it was handed on (e.g. to {@link HostBankSearch})
 */
public record SelectedEngine(AnomalyEngine engine, String backend, String reason, BankSearch deviceSearch) implements AutoCloseable {

    /** An engine without a bank search of its own on its device. */
    public SelectedEngine(AnomalyEngine engine, String backend, String reason) {
        this(engine, backend, reason, null);
    }

    /** For a health check's data: backend and reason. */
    public Map<String, Object> healthDetails() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("engine.backend", backend);
        m.put("engine.reason", reason);
        return m;
    }

    /** "inference on tensorrt-fp16: …" */
    public String statusMessage() {
        return "inference on " + backend + ": " + reason;
    }

    @Override
    public void close() {
        try {
            if (deviceSearch != null) deviceSearch.close();
        } finally {
            engine.close();
        }
    }
}
