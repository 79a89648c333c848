package dev.anomalyedge.engine.trt;

import dev.anomalyedge.engine.EngineException;

import java.util.Locale;

/** Precision a TensorRT plan is built for. FP16 keeps the accuracy-critical layers in FP32 (see {@link PrecisionPolicy}). */
public enum TrtPrecision {
    FP16, FP32;

    /** "fp16" or "fp32", as in plan file names, sidecars and configuration. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The precision named by {@code text} in any case, blanks around ignored ({@code appliance.engine.precision}, {@code --precision}). */
    public static TrtPrecision parse(String text) {
        if (text != null) {
            for (TrtPrecision p : values()) if (p.id().equalsIgnoreCase(text.trim())) return p;
        }
        throw new EngineException("precision must be fp16 or fp32, got '" + text + "'");
    }
}
