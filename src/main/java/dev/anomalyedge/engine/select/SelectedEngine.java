package dev.anomalyedge.engine.select;

import dev.anomalyedge.engine.AnomalyEngine;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The engine that was chosen, which backend it is, and why. The caller owns {@code engine} (closing this closes it).
 *
 * @param engine  the open engine
 * @param backend "tensorrt-fp16", "tensorrt-fp32" or "onnxruntime-cpu"
 * @param reason  one line for logs, health and the status message (what was found, what was built or why a fallback)
 */
public record SelectedEngine(AnomalyEngine engine, String backend, String reason) implements AutoCloseable {

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
        engine.close();
    }
}
