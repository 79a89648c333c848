package dev.anomalyedge.graph;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import dev.anomalyedge.model.AnomalyClipSettings;

import java.util.List;

/**
 * Builds the few-shot head: the memory-bank search that follows the vision graph of {@link ScoringGraphBuilder}, as a
 * small ONNX model (opset 17, constants inline, no data file) that an engine runs on the {@code patch_features} it has
 * just computed.
 *
 * <pre>
 * patch_features [K,B,T,E] → drop CLS → z = x / ‖x‖                                       [K,B,G²,E]
 * memory_bank    [K,N,E] float16 (unit rows) → float32 → m                                 [K,1,N,E]
 * cos  = m · zᵀ                                                                            [K,B,N,G²]
 * d_k  = (1 − max_n cos) / 2                                                               [K,B,G²]
 * grid = Σ_k d_k (MEAN: / K) → [B,G,G];  fewshot_map = A · grid · Aᵀ, A = Gaussian(σ)·Bilinear(G→S)  [B,S,S]
 * fewshot_score = max over the map / the map's upper bound (K for SUM, 1 for MEAN)           [B]
 * </pre>
 * The taps are reduced on the grid before the (linear) resampling, as in the zero-shot graph, with the same matrices.
 * N is dynamic, so one head serves every bank of a model. Peak intermediate memory is 4·K·B·G²·N bytes (cos).
 */
public final class FewShotGraphBuilder {
    public static final String INPUT_PATCH_FEATURES = "patch_features";
    public static final String INPUT_MEMORY_BANK = "memory_bank";
    public static final String OUTPUT_MAP = "fewshot_map";
    public static final String OUTPUT_SCORE = "fewshot_score";

    private FewShotGraphBuilder() {}

    /**
     * The head for features [K, batch, T = G²+1, E] of a model scored with {@code settings}, as serialized ONNX bytes.
     */
    public static byte[] build(int taps, int tokens, int embedDim, AnomalyClipSettings settings) {
        return build(taps, tokens, embedDim, settings.imageSize(), settings.sigma(), settings.tapReduction());
    }

    /** The head for features [K, batch, T, E], maps of side {@code imageSize} smoothed with {@code sigma}. */
    public static byte[] build(int taps, int tokens, int embedDim, int imageSize, double sigma, AnomalyClipSettings.TapReduction reduction) {
        int grid = (int) Math.round(Math.sqrt(tokens - 1));
        if (taps < 1 || embedDim < 1 || grid < 1 || grid * grid + 1 != tokens) {
            throw new IllegalArgumentException("few-shot head needs K >= 1, E >= 1 and T = G² + 1 tokens, got K=" + taps + ", T=" + tokens
                    + ", E=" + embedDim);
        }
        if (imageSize < 1 || !(sigma >= 0)) throw new IllegalArgumentException("few-shot head needs S >= 1 and sigma >= 0, got " + imageSize + ", " + sigma);
        return model(taps, tokens, embedDim, grid, imageSize, sigma, reduction).toByteArray();
    }

    private static ModelProto model(long k, long t, long e, int g, int s, double sigma, AnomalyClipSettings.TapReduction reduction) {
        OnnxGraph graph = new OnnxGraph("anomalyclip_fewshot_head", null);
        String feats = graph.input(INPUT_PATCH_FEATURES, (int) k, "batch", (int) t, (int) e);
        String bank = graph.inputHalf(INPUT_MEMORY_BANK, (int) k, "patches", (int) e);

        // z: the G² patch tokens of every tap, L2-normalised (a zero vector stays zero: its norm is floored)
        String patches = graph.node("Slice", "fs.patches", List.of(feats, graph.ints(1), graph.ints(t), graph.ints(2)));   // [K,B,G²,E]
        String norm = graph.node("ReduceL2", "fs.norm", List.of(patches), OnnxGraph.attrInts("axes", -1), OnnxGraph.attr("keepdims", 1));
        String z = graph.div("fs.unit", patches, graph.node("Max", "fs.norm_floor", List.of(norm, graph.floatScalar(1e-30f))));

        // the bank as float32, rows as they are stored; the small z is transposed instead of the large bank
        String m = graph.unsqueeze("fs.bank_k1", graph.node("Cast", "fs.bank_f32", List.of(bank),
                OnnxGraph.attr("to", TensorProto.DataType.FLOAT_VALUE)), 1);                                              // [K,1,N,E]
        String zT = graph.transpose("fs.unit_t", z, 0, 1, 3, 2);                                                             // [K,B,E,G²]

        String cos = graph.matMul("fs.cos", m, zT);                                                                           // [K,B,N,G²]
        String best = graph.node("ReduceMax", "fs.nearest", List.of(cos), OnnxGraph.attrInts("axes", 2), OnnxGraph.attr("keepdims", 0)); // [K,B,G²]
        String d = graph.mul("fs.distance", graph.node("Sub", "fs.one_minus", List.of(graph.floatScalar(1f), best)), graph.floatScalar(0.5f));
        String reduced = graph.node("ReduceSum", "fs.sum_taps", List.of(d, graph.ints(0)), OnnxGraph.attr("keepdims", 0));   // [B,G²]
        if (reduction == AnomalyClipSettings.TapReduction.MEAN) {
            reduced = graph.div("fs.mean_taps", reduced, graph.floatScalar(k));
        }
        String gridMap = graph.reshape("fs.grid", reduced, -1, g, g);                                                        // [B,G,G]

        double[][] a = Resampling.multiply(Resampling.gaussian(s, sigma), Resampling.bilinear(g, s));             // [S,G]
        String aC = graph.constant("fs.upsample_smooth", Resampling.toFloats(a, false), s, g);
        String aTC = graph.constant("fs.upsample_smooth.T", Resampling.toFloats(a, true), g, s);
        graph.matMul(OUTPUT_MAP, graph.matMul("fs.rows", aC, gridMap), aTC);                                                 // [B,S,S]
        String peak = graph.node("ReduceMax", "fs.peak", List.of(OUTPUT_MAP), OnnxGraph.attrInts("axes", 1, 2), OnnxGraph.attr("keepdims", 0));
        graph.div(OUTPUT_SCORE, peak, graph.floatScalar(reduction == AnomalyClipSettings.TapReduction.SUM ? k : 1));                                 // [B]

        graph.output(OUTPUT_MAP, "batch", s, s);
        graph.output(OUTPUT_SCORE, "batch");
        return graph.model("dev.anomalyedge", "AnomalyCLIP few-shot head: K " + k + ", T " + t + ", E " + e + ", S " + s + ", sigma "
                + sigma + " (" + reduction + ")", List.<StringStringEntryProto>of());
    }
}
