package dev.anomalyedge.engine.trt;

import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Which layers of an FP16 plan stay in FP32. Accuracy needs FP32 where values are summed over many elements or
 * exponentiated: normalisations (LayerNorm mean/variance over D = 1024), softmax (attention and the cos/0.07 scoring
 * softmax, where a logit error is multiplied by 1/0.07 ≈ 14), reductions (the L2 norm of the features), and the
 * unary/elementwise operations that such decomposed subgraphs use (sqrt, exp, log, reciprocal, pow). Layers whose name
 * starts with one of {@link #scoringPrefixes()} (the scoring head after the vision tower: a few small matmuls) stay
 * in FP32 as well; the transformer blocks' matmuls, convolution and GELU run in FP16.
 *
 * @param scoringPrefixes layer-name prefixes kept in FP32 whatever their type
 */
public record PrecisionPolicy(List<String> scoringPrefixes) {
    private static final Set<String> FP32_TYPES = Set.of("NORMALIZATION", "SOFTMAX", "RAGGED_SOFTMAX", "REDUCE");
    private static final Set<String> FP32_UNARY = Set.of("SQRT", "EXP", "LOG", "RECIP");
    private static final Set<String> FP32_ELEMENTWISE = Set.of("POW");

    /** The ONNX node-name prefixes of ScoringGraphBuilder's scoring head: taps.k.*, image.*, map.* and the outputs. */
    public static final List<String> SCORING_HEAD = List.of("taps.", "image.", "map.", "image_score", "anomaly_map",
            "patch_features", "image_features", "text_embeddings");

    public PrecisionPolicy {
        scoringPrefixes = List.copyOf(scoringPrefixes);
    }

    /** The default: the layer types above plus the scoring head by name. */
    public static PrecisionPolicy standard() {
        return new PrecisionPolicy(SCORING_HEAD);
    }

    /**
     * @param layerType TensorRT LayerType without the k prefix, e.g. "NORMALIZATION", "UNARY"
     * @param layerName the layer's name (the ONNX parser uses the node name, sometimes with a suffix)
     * @param operation for UNARY / ELEMENTWISE layers their operation without the k prefix ("SQRT", "POW"); else null
     * @return why the layer stays in FP32, or null if it may run in FP16
     */
    public String fp32Reason(String layerType, String layerName, String operation) {
        String type = strip(layerType);
        String op = strip(operation);
        if (FP32_TYPES.contains(type)) return type.toLowerCase(Locale.ROOT);
        if ("UNARY".equals(type) && FP32_UNARY.contains(op)) return "unary " + op.toLowerCase(Locale.ROOT);
        if ("ELEMENTWISE".equals(type) && FP32_ELEMENTWISE.contains(op)) return "elementwise " + op.toLowerCase(Locale.ROOT);
        if (layerName != null) {
            for (String prefix : scoringPrefixes) if (layerName.startsWith(prefix)) return "scoring head";
        }
        return null;
    }

    private static String strip(String s) {
        if (s == null) return "";
        String t = s.trim();
        if (t.length() > 1 && t.charAt(0) == 'k' && Character.isUpperCase(t.charAt(1))) t = t.substring(1); // kSOFTMAX
        return t.toUpperCase(Locale.ROOT);
    }
}
