package dev.anomalyedge.engine.select;

import dev.anomalyedge.engine.EngineException;

import java.util.Locale;

/** Which backend runs a bundle: {@code appliance.engine.backend} and {@code --engine} = auto | tensorrt | onnxruntime. */
public enum EngineMode {
    /** TensorRT when its natives load and a GPU is present (building the plan if needed), else ONNX Runtime. */
    AUTO,
    /** TensorRT or fail: never falls back. */
    TENSORRT,
    /** ONNX Runtime on the CPU; TensorRT is not even probed. */
    ONNXRUNTIME;

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The mode named by {@code text} in any case, blanks around ignored; the one parser of the setting and the option. */
    public static EngineMode parse(String text) {
        if (text != null) {
            for (EngineMode m : values()) if (m.id().equalsIgnoreCase(text.trim())) return m;
        }
        throw new EngineException("engine must be one of auto, tensorrt, onnxruntime; got '" + text + "'");
    }
}
