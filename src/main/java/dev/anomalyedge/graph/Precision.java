package dev.anomalyedge.graph;

import java.util.Locale;

/**
 * Numeric precision of the scoring graph's linear layers.
 * <ul>
 *   <li>{@link #FP32}: every operator in float32 (the reference-exact graph).</li>
 *   <li>{@link #INT8}: the transformer blocks' linear layers (attention in/out projections, MLP c_fc and c_proj) use
 *       int8 weights, quantised per output channel and symmetrically at export, and activations quantised per tensor
 *       at run time (ONNX Runtime's {@code com.microsoft.DynamicQuantizeMatMul}, integer kernels on CPU). Everything
 *       else stays float32, including the first block's c_fc (the most sensitive layer): patch embedding, LayerNorm, attention scores and softmax, QuickGELU, the projection to
 *       the joint space, similarity, upsampling and smoothing. Attention uses ONNX Runtime's fused MultiHeadAttention
 *       kernel and residual Add + LayerNorm its SkipLayerNormalization kernel (float32), and the last block computes
 *       its original path for the CLS token only. Runs on ONNX Runtime only (not TensorRT).</li>
 * </ul>
 */
public enum Precision {
    FP32, INT8;

    /** The lower-case name used in bundle.json and on the command line ("fp32", "int8"). */
    public String id() { return name().toLowerCase(Locale.ROOT); }

    /** Parses "fp32"/"int8" (any case); a null or blank value is FP32 (bundles written before the field existed). */
    public static Precision parse(String s) {
        if (s == null || s.isBlank()) return FP32;
        for (Precision p : values()) if (p.id().equalsIgnoreCase(s.trim())) return p;
        throw new IllegalArgumentException("unknown precision '" + s + "' (expected fp32 or int8)");
    }
}
