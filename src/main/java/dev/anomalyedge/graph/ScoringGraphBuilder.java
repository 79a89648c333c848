package dev.anomalyedge.graph;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import dev.anomalyedge.model.AnomalyClipSettings;
import dev.anomalyedge.model.ClipArchitecture;
import dev.anomalyedge.weights.StateDict;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds AnomalyCLIP's vision tower and scoring (docs/method.md §5 and §7) as one ONNX model (opset 17, IR 8) whose
 * weights live in an external data file beside it.
 *
 * <pre>
 * image [B,3,S,S] → conv1 → tokens [B,T,D] (CLS first) + pos → ln_pre
 *   → blocks (standard, or DPAM with an original path o and a V-V path v) → taps (v for DPAM blocks, else x)
 * taps → ln_post → @proj → patch_features [K,B,T,E] → L2 → cos/0.07 with text → softmax → p_abnormal [B,G,G]
 *   → Σ_k (or mean) → bilinear upsample to S×S → Gaussian σ → anomaly_map [B,S,S]
 * o_L[CLS] @proj (no ln_post) → image_features [B,E] → L2 → cos/0.07 → softmax → image_score [B]
 * </pre>
 *
 * Token streams are kept as 2-D [B·T, D] matrices so every linear layer is one Gemm with the checkpoint's
 * [out, in] weight ({@code transB=1}); the resampling and Gaussian smoothing are constant matrices (see
 * {@link Resampling}). Value, node and initializer names follow the checkpoint names. Taps are ordered by block
 * (as the reference collects them), which is the order of a sorted features list.
 *
 * <p>With {@link Precision#INT8} ({@link #withPrecision}) the blocks' linear layers (in_proj, out_proj, c_fc, c_proj)
 * become {@code com.microsoft.DynamicQuantizeMatMul} nodes over int8 weights ({@link Int8Weights}) (except the first
 * block's c_fc, which stays a float32 Gemm: see {@link #mlp}), and attention uses
 * the fused {@code com.microsoft.MultiHeadAttention} kernel (as {@link #withFusedAttention}: it never materialises the
 * [B, H, T, T] score tensors, which saves about 0.65 GiB at full size), residual Add + LayerNorm the fused
 * {@code com.microsoft.SkipLayerNormalization}, and the last block computes the CLS row of its original path only; the
 * rest of the graph is unchanged. The FP32 graph is the plain-ONNX one unless fused attention is asked for.
 *
 * <p>With an explicit DPAM list that leaves standard blocks between DPAM blocks (not possible in the reference, whose
 * DPAM blocks are always the last ones), a standard block continues the original path only, and the next DPAM block
 * starts a new V-V path from its input, like the first DPAM block does.
 */
public final class ScoringGraphBuilder {
    public static final String INPUT_IMAGE = "image";
    public static final String OUTPUT_IMAGE_SCORE = "image_score";
    public static final String OUTPUT_ANOMALY_MAP = "anomaly_map";
    public static final String OUTPUT_PATCH_FEATURES = "patch_features";
    public static final String OUTPUT_IMAGE_FEATURES = "image_features";
    public static final String TEXT_EMBEDDINGS = "text_embeddings";

    /** Debug outputs (only with {@link #withDebugOutputs}). */
    public static final String DEBUG_POS_EMBED = "debug.pos_embed";          // [T, D]
    public static final String DEBUG_EMBED_LN_PRE = "debug.embed_ln_pre";    // [B, T, D]
    public static final String DEBUG_TAPS_RAW = "debug.taps_raw";            // [K, B, T, D]
    public static final String DEBUG_CLS_TOKEN_FINAL = "debug.cls_token_final"; // [B, D]
    public static final String DEBUG_PATCH_PROBS = "debug.patch_probs";      // [K, B, T, 2]
    public static final String DEBUG_ANOMALY_MAP_RAW = "debug.anomaly_map_raw"; // [B, S, S]

    /** Model metadata key naming a non-FP32 precision ("int8"); absent in FP32 models. */
    public static final String PRECISION_METADATA = "anomalyclip.precision";
    /** Model metadata keys of the map smoothing that a few-shot head must repeat: σ and the tap reduction. */
    public static final String SIGMA_METADATA = "anomalyclip.sigma", TAP_REDUCTION_METADATA = "anomalyclip.tap_reduction";

    private static final String BATCH = "batch";
    private static final float TEMPERATURE = (float) AnomalyClipSettings.TEMPERATURE;

    /** The written model: the .onnx file and its external data file. */
    public record WrittenModel(Path model, Path data) {}

    private final StateDict sd;
    private final ClipArchitecture arch;
    private final AnomalyClipSettings settings;
    private final float[] textEmbeddings;
    private final boolean debug;
    private final Precision precision;
    private final boolean fusedAttention;

    // dimensions: D width, H heads, hd head dim, P patch, S image side, G grid, T tokens, E embed dim, K taps
    private final int D, H, hd, P, S, G, T, E, K;

    /**
     * @param sd             CLIP state dict (the {@code visual.*} keys are used)
     * @param textEmbeddings normalised text features [2, E], row 0 normal, row 1 abnormal
     */
    public ScoringGraphBuilder(StateDict sd, ClipArchitecture arch, AnomalyClipSettings settings, float[] textEmbeddings) {
        this(sd, arch, settings, textEmbeddings, false, Precision.FP32, false);
    }

    private ScoringGraphBuilder(StateDict sd, ClipArchitecture arch, AnomalyClipSettings settings, float[] textEmbeddings,
                                boolean debug, Precision precision, boolean fusedAttention) {
        settings.validate(arch);
        this.sd = sd;
        this.arch = arch;
        this.settings = settings;
        this.debug = debug;
        this.precision = java.util.Objects.requireNonNull(precision, "precision");
        this.fusedAttention = fusedAttention;
        D = arch.visionWidth();
        H = arch.visionHeads();
        hd = D / H;
        P = arch.patchSize();
        S = settings.imageSize();
        G = settings.grid(arch);
        T = G * G + 1;
        E = arch.embedDim();
        K = settings.featuresList().size();
        if (new java.util.HashSet<>(settings.featuresList()).size() != K) {
            throw new IllegalArgumentException("features list " + settings.featuresList() + " names a block twice");
        }
        if (textEmbeddings == null || textEmbeddings.length != 2 * E) {
            throw new IllegalArgumentException("text embeddings must be [2, " + E + "] = " + 2 * E + " floats, got "
                    + (textEmbeddings == null ? "null" : textEmbeddings.length));
        }
        this.textEmbeddings = textEmbeddings.clone();
    }

    /** A builder that also exposes the named intermediates (DEBUG_* and {@link #debugBlockOutput}) as outputs. */
    public ScoringGraphBuilder withDebugOutputs(boolean enabled) {
        return new ScoringGraphBuilder(sd, arch, settings, textEmbeddings, enabled, precision, fusedAttention);
    }

    /** A builder that writes the blocks' linear layers in {@code p} (see {@link Precision}). */
    public ScoringGraphBuilder withPrecision(Precision p) {
        return new ScoringGraphBuilder(sd, arch, settings, textEmbeddings, debug, p, fusedAttention);
    }

    /**
     * A builder that computes each head attention with ONNX Runtime's fused {@code com.microsoft.MultiHeadAttention}
     * kernel instead of MatMul/Softmax/MatMul (same equation; ONNX Runtime only).
     */
    public ScoringGraphBuilder withFusedAttention(boolean enabled) {
        return new ScoringGraphBuilder(sd, arch, settings, textEmbeddings, debug, precision, enabled);
    }

    /**
     * Debug output name of 1-based block {@code block}: {@code debug.block_03} for a standard block, with suffix
     * {@code _ori} (original path) or {@code _vv} (V-V path) for a DPAM block.
     */
    public static String debugBlockOutput(int block, String suffix) {
        return String.format("debug.block_%02d%s", block, suffix);
    }

    /**
     * Writes {@code modelFile} and its weights to {@code modelFile + ".data"} in the same folder. Weights are
     * streamed to the data file as the graph is built.
     */
    public WrittenModel write(Path modelFile) throws IOException {
        Path dataFile = modelFile.resolveSibling(modelFile.getFileName() + ".data");
        try {
            ModelProto model;
            try (ExternalDataFile data = new ExternalDataFile(dataFile)) {
                model = build(new OnnxGraph("anomalyclip_vision_scoring", data));
            }
            try (OutputStream out = Files.newOutputStream(modelFile)) {
                model.writeTo(out);
            }
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(modelFile);
            Files.deleteIfExists(dataFile);
            throw e;
        }
        return new WrittenModel(modelFile, dataFile);
    }

    // =================================================================================================== graph

    private ModelProto build(OnnxGraph g) {
        String image = g.input(INPUT_IMAGE, BATCH, 3, S, S);
        String x = embed(g, image);                                        // [B·T, D]

        // --- blocks (5.3, 5.4): x = block output / original path o; v = V-V path (null outside DPAM runs)
        String v = null;
        String cls = null;                                                 // [B, D] when the last block computes the CLS row only
        String ln1 = null;                                                 // ln_1(x) of the next block, when the previous block fused it
        List<String> taps = new ArrayList<>();
        for (int b = 0; b < arch.visionLayers(); b++) {
            String p = "visual.transformer.resblocks." + b;
            if (b == arch.visionLayers() - 1 && clsOnlyLastBlock()) {
                boolean dpam = settings.isDpamBlock(b, arch.visionLayers());
                if (dpam && v == null) v = x;
                String[] attn = clsAttention(g, p, ln1 != null ? ln1 : g.layerNorm(p + ".ln_1", x, vec(g, p + ".ln_1.weight"), vec(g, p + ".ln_1.bias")), dpam);
                String xCls = g.select(p + ".cls_in", g.reshape(p + ".tokens_in", x, -1, T, D), 0, 1); // [B, D]
                String[] o = residualNorm(g, p + ".residual_attn", xCls, attn[0], p + ".ln_2"); // o_CLS = x_CLS + a_ori,CLS; ln_2(o_CLS)
                cls = g.add(p + ".out", o[0], mlp(g, p, o[1]));            // o_CLS + MLP(ln_2(o_CLS))   [B, D]
                if (dpam) v = g.add(p + ".vv", v, attn[1]);                // v ← v + a_vv (all tokens)
                if (settings.featuresList().contains(b + 1)) taps.add(v); // a standard tapped last block never gets here
                continue;
            }
            if (settings.isDpamBlock(b, arch.visionLayers())) {
                if (v == null) v = x;                                      // first DPAM block: v starts from x_{d−1}
                String[] attn = attention(g, p, ln1 != null ? ln1 : g.layerNorm(p + ".ln_1", x, vec(g, p + ".ln_1.weight"), vec(g, p + ".ln_1.bias")), true);
                String[] o = residualNorm(g, p + ".residual_attn", x, attn[0], p + ".ln_2"); // o = x + a_ori; ln_2(o)
                String[] out = blockOut(g, b, o[0], mlp(g, p, o[1]));      // o ← o + MLP(ln_2(o)); ln_1 of the next block or null
                x = out[0];
                ln1 = out[1];
                v = g.add(p + ".vv", v, attn[1]);                          // v ← v + a_vv   (no MLP)
                debugTokens(g, debugBlockOutput(b + 1, "_ori"), x);
                debugTokens(g, debugBlockOutput(b + 1, "_vv"), v);
            } else {
                String[] attn = attention(g, p, ln1 != null ? ln1 : g.layerNorm(p + ".ln_1", x, vec(g, p + ".ln_1.weight"), vec(g, p + ".ln_1.bias")), false);
                String[] h = residualNorm(g, p + ".residual_attn", x, attn[0], p + ".ln_2"); // x ← x + MHA(ln_1 x); ln_2(x)
                String[] out = blockOut(g, b, h[0], mlp(g, p, h[1]));      // x ← x + MLP(ln_2 x); ln_1 of the next block or null
                x = out[0];
                ln1 = out[1];
                v = null;                                                  // a later DPAM run starts a new V-V path
                debugTokens(g, debugBlockOutput(b + 1, ""), x);
            }
            if (settings.featuresList().contains(b + 1)) taps.add(settings.isDpamBlock(b, arch.visionLayers()) ? v : x); // block order, as the reference appends
        }

        String textT = g.transpose("text_embeddings.T", g.weight(TEXT_EMBEDDINGS, textEmbeddings, 2, E), 1, 0); // [E, 2]
        String proj = g.weight("visual.proj", sd.floats("visual.proj", D, E), D, E);

        // --- image score (5.6, 7): CLS of the original path after the last block, @proj, NO ln_post
        if (cls == null) cls = g.select("visual.cls_token", g.reshape("visual.tokens_out", x, -1, T, D), 0, 1); // [B, D]
        String imageFeatures = g.matMul(OUTPUT_IMAGE_FEATURES, cls, proj);                         // [B, E]
        String imageProbs = probabilities(g, "image", imageFeatures, textT);                        // [B, 2]
        g.select(OUTPUT_IMAGE_SCORE, imageProbs, 1, 1);                                             // [B]

        // --- patch features and map (5.5, 7)
        String lnPostW = vec(g, "visual.ln_post.weight"), lnPostB = vec(g, "visual.ln_post.bias");
        List<String> features = new ArrayList<>(), probs = new ArrayList<>(), abnormal = new ArrayList<>(), raw = new ArrayList<>();
        for (int k = 0; k < K; k++) {
            String q = "taps." + k;
            String ln = g.layerNorm(q + ".ln_post", taps.get(k), lnPostW, lnPostB);
            String feat = g.reshape(q + ".features", g.matMul(q + ".proj", ln, proj), -1, T, E);  // [B, T, E]
            features.add(g.unsqueeze(q + ".features_k", feat, 0));
            String pk = probabilities(g, q, feat, textT);                                         // [B, T, 2]
            probs.add(g.unsqueeze(q + ".probs_k", pk, 0));
            String patchAbn = g.node("Slice", q + ".patch_abnormal", List.of(pk, g.ints(1, 1), g.ints(T, 2), g.ints(1, 2))); // [B, G², 1]
            abnormal.add(g.reshape(q + ".abnormal_grid", patchAbn, -1, G, G));                    // [B, G, G]
            if (debug) raw.add(g.unsqueeze(q + ".raw_k", g.reshape(q + ".raw", taps.get(k), -1, T, D), 0));
        }
        g.concat(OUTPUT_PATCH_FEATURES, features, 0);                                             // [K, B, T, E]

        // Σ_k upsample(P_k) = upsample(Σ_k P_k): both maps are linear, so the taps are reduced on the grid
        String reduced = K == 1 ? abnormal.get(0) : g.node("Sum", "map.sum_taps", abnormal);      // [B, G, G]
        if (settings.tapReduction() == AnomalyClipSettings.TapReduction.MEAN) {
            reduced = g.div("map.mean_taps", reduced, g.floatScalar(K));
        }
        double[][] upsample = Resampling.bilinear(G, S);                                          // R  [S, G]
        double[][] smooth = Resampling.multiply(Resampling.gaussian(S, settings.sigma()), upsample); // Gr·R [S, G]
        // anomaly_map = (Gr R) M (Gr R)ᵀ: bilinear upsampling, then Gaussian along rows and columns
        String a = g.weight("map.upsample_smooth", Resampling.toFloats(smooth, false), S, G);
        String aT = g.weight("map.upsample_smooth.T", Resampling.toFloats(smooth, true), G, S);
        g.matMul(OUTPUT_ANOMALY_MAP, g.matMul("map.rows", a, reduced), aT);                       // [B, S, S]

        g.output(OUTPUT_IMAGE_SCORE, BATCH);
        g.output(OUTPUT_ANOMALY_MAP, BATCH, S, S);
        g.output(OUTPUT_PATCH_FEATURES, K, BATCH, T, E);
        g.output(OUTPUT_IMAGE_FEATURES, BATCH, E);

        if (debug) {
            String r = g.weight("map.upsample", Resampling.toFloats(upsample, false), S, G);
            String rT = g.weight("map.upsample.T", Resampling.toFloats(upsample, true), G, S);
            g.matMul(DEBUG_ANOMALY_MAP_RAW, g.matMul("map.raw_rows", r, reduced), rT);
            g.output(DEBUG_ANOMALY_MAP_RAW, BATCH, S, S);
            g.concat(DEBUG_TAPS_RAW, raw, 0);
            g.output(DEBUG_TAPS_RAW, K, BATCH, T, D);
            g.concat(DEBUG_PATCH_PROBS, probs, 0);
            g.output(DEBUG_PATCH_PROBS, K, BATCH, T, 2);
            g.identity(DEBUG_CLS_TOKEN_FINAL, cls);
            g.output(DEBUG_CLS_TOKEN_FINAL, BATCH, D);
        }
        return g.model("dev.anomalyedge", describe(), metadata());
    }

    /** 5.1–5.2: patch embedding, CLS token, positional embedding, ln_pre. Returns [B·T, D]. */
    private String embed(OnnxGraph g, String image) {
        String conv = g.node("Conv", "visual.conv1", List.of(image, g.weight("visual.conv1.weight",
                        sd.floats("visual.conv1.weight", D, 3, P, P), D, 3, P, P)),
                OnnxGraph.attrInts("kernel_shape", P, P), OnnxGraph.attrInts("strides", P, P));   // [B, D, G, G]
        String grid = g.reshape("visual.patches", conv, 0, D, (long) G * G);                      // [B, D, G²]
        String patches = g.transpose("visual.patch_tokens", grid, 0, 2, 1);                       // [B, G², D] row-major patches

        // CLS token broadcast to [B, 1, D]
        String batch = g.node("Slice", "visual.batch_size", List.of(g.node("Shape", "visual.image_shape", List.of(image)),
                g.ints(0), g.ints(1)));                                                           // [1] = B
        String clsShape = g.concat("visual.cls_shape", List.of(batch, g.ints(1, D)), 0);         // [B, 1, D]
        String cls = g.node("Expand", "visual.cls_tokens", List.of(vec(g, "visual.class_embedding"), clsShape));
        String tokens = g.concat("visual.tokens", List.of(cls, patches), 1);                      // [B, T, D]

        float[] pos = Resampling.resizePositionalEmbedding(
                sd.floats("visual.positional_embedding", 1 + (long) arch.storedGrid() * arch.storedGrid(), D),
                arch.storedGrid(), G, D);
        String posName = g.weight("visual.positional_embedding", pos, T, D);                      // resized [T, D]
        String x = g.reshape("visual.tokens_2d", g.add("visual.tokens_pos", tokens, posName), -1, D); // [B·T, D]
        x = g.layerNorm("visual.ln_pre", x, vec(g, "visual.ln_pre.weight"), vec(g, "visual.ln_pre.bias"));
        if (debug) {
            g.identity(DEBUG_POS_EMBED, posName);
            g.output(DEBUG_POS_EMBED, T, D);
            debugTokens(g, DEBUG_EMBED_LN_PRE, x);
        }
        return x;
    }

    /**
     * Multi-head attention of block p on y = ln_1(x) [B·T, D] (5.3). Returns {a_ori} or, for a DPAM block (5.4),
     * {a_ori, a_vv} with a_vv = concat_h softmax(v_h v_hᵀ·s) v_h through the same out_proj.
     */
    private String[] attention(OnnxGraph g, String p, String y, boolean dpam) {
        String qkv = linear(g, p + ".attn.in_proj", y, linearWeights(g, p + ".attn.in_proj_weight", p + ".attn.in_proj_bias", 3L * D, D)); // [B·T, 3D] = [q|k|v]
        if (fusedKernels()) return fusedAttention(g, p, qkv, dpam);
        String heads = g.reshape(p + ".attn.in_proj_heads", qkv, -1, T, 3, H, hd);              // [B, T, 3, H, hd]
        String split = g.transpose(p + ".attn.qkv", heads, 2, 0, 3, 1, 4);                      // [3, B, H, T, hd]
        String q = g.select(p + ".attn.q", split, 0, 0);                                         // [B, H, T, hd]
        String k = g.select(p + ".attn.k", split, 1, 0);
        String v = g.select(p + ".attn.v", split, 2, 0);
        LinearWeights out = linearWeights(g, p + ".attn.out_proj.weight", p + ".attn.out_proj.bias", D, D);
        String ori = headAttention(g, p + ".attn", q, k, v, out);
        if (!dpam) return new String[] {ori};
        return new String[] {ori, headAttention(g, p + ".attn.vv", v, v, v, out)};
    }

    /**
     * Whether the graph uses ONNX Runtime's fused kernels (com.microsoft MultiHeadAttention and SkipLayerNormalization)
     * and computes only the CLS row of the last block's original path: INT8 graphs (ONNX Runtime-only anyway), and FP32
     * graphs with {@link #withFusedAttention}; the plain FP32 graph is standard ONNX in the reference's shape.
     */
    private boolean fusedKernels() {
        return fusedAttention || precision == Precision.INT8;
    }

    /**
     * Whether the last block computes its original path for the CLS token only ({@link #fusedKernels}, no debug outputs):
     * after the last block the original path feeds only the image score, which reads its CLS row, and every operator
     * of a block but attention is row-wise, so the other rows need no MLP, no out_proj and no attention queries. Not
     * when the last block is a standard tapped one (its tap is the original path's tokens). The plain FP32 graph keeps the
     * reference's shape (a one-row product may round differently from the full one).
     */
    private boolean clsOnlyLastBlock() {
        int last = arch.visionLayers();
        boolean tapsOriginal = settings.featuresList().contains(last) && !settings.isDpamBlock(last - 1, last);
        return fusedKernels() && !debug && !tapsOriginal;
    }

    /**
     * The last block's attention when only the CLS row of the original path is needed: {a_ori,CLS [B, D]} (and, for a
     * DPAM block, the full a_vv [B·T, D]). The CLS query attends to all keys, as in {@link #fusedAttention}.
     */
    private String[] clsAttention(OnnxGraph g, String p, String y, boolean dpam) {
        String qkv = linear(g, p + ".attn.in_proj", y, linearWeights(g, p + ".attn.in_proj_weight", p + ".attn.in_proj_bias", 3L * D, D)); // [B·T, 3D]
        String[] split = g.nodeMulti("Split", new String[] {p + ".attn.q", p + ".attn.k", p + ".attn.v"},
                List.of(g.reshape(p + ".attn.in_proj_3d", qkv, -1, T, 3L * D), g.ints(D, D, D)), OnnxGraph.attr("axis", 2)); // 3 × [B, T, D]
        String qCls = g.node("Slice", p + ".attn.q_cls", List.of(split[0], g.ints(0), g.ints(1), g.ints(1))); // [B, 1, D]
        LinearWeights out = linearWeights(g, p + ".attn.out_proj.weight", p + ".attn.out_proj.bias", D, D);
        String ori = fusedHeads(g, p + ".attn", qCls, split[1], split[2], out);                   // [B, D]
        if (!dpam) return new String[] {ori};
        return new String[] {ori, fusedHeads(g, p + ".attn.vv", split[2], split[2], split[2], out)};
    }

    /** As {@link #attention} with com.microsoft.MultiHeadAttention computing concat_h softmax(q_h k_hᵀ · hd^-½) v_h. */
    private String[] fusedAttention(OnnxGraph g, String p, String qkv, boolean dpam) {
        String[] split = g.nodeMulti("Split", new String[] {p + ".attn.q", p + ".attn.k", p + ".attn.v"},
                List.of(g.reshape(p + ".attn.in_proj_3d", qkv, -1, T, 3L * D), g.ints(D, D, D)), OnnxGraph.attr("axis", 2)); // 3 × [B, T, D]
        LinearWeights out = linearWeights(g, p + ".attn.out_proj.weight", p + ".attn.out_proj.bias", D, D);
        String ori = fusedHeads(g, p + ".attn", split[0], split[1], split[2], out);
        if (!dpam) return new String[] {ori};
        return new String[] {ori, fusedHeads(g, p + ".attn.vv", split[2], split[2], split[2], out)};
    }

    private String fusedHeads(OnnxGraph g, String n, String q, String k, String v, LinearWeights out) {
        String heads = g.msNode("MultiHeadAttention", n + ".heads", List.of(q, k, v), OnnxGraph.attr("num_heads", H)); // [B, T, D]
        return linear(g, n + ".out_proj", g.reshape(n + ".merged", heads, -1, D), out);             // [B·T, D]
    }

    /** concat_h softmax(a_h b_hᵀ · hd^-½) c_h, then out_proj: [B, H, T, hd] ×3 → [B·T, D]. */
    private String headAttention(OnnxGraph g, String n, String a, String b, String c, LinearWeights out) {
        String bT = g.transpose(n + ".keys_t", b, 0, 1, 3, 2);                                   // [B, H, hd, T]
        String scores = g.mul(n + ".scores", g.matMul(n + ".dots", a, bT), g.floatScalar((float) Math.pow(hd, -0.5))); // [B, H, T, T]
        String weights = g.softmaxLastAxis(n + ".weights", scores);
        String perHead = g.matMul(n + ".heads", weights, c);                                     // [B, H, T, hd]
        String merged = g.reshape(n + ".merged", g.transpose(n + ".heads_t", perHead, 0, 2, 1, 3), -1, D); // [B·T, D]
        return linear(g, n + ".out_proj", merged, out);
    }

    /**
     * {x + a, LayerNorm_ln(x + a)}. With {@link #fusedKernels} ONNX Runtime's com.microsoft.SkipLayerNormalization returns
     * both from one pass (its output 3 is the sum; its optimiser fuses only 3-D Adds, and the tokens here are 2-D); else an
     * Add and a LayerNormalization.
     */
    private String[] residualNorm(OnnxGraph g, String sumName, String x, String a, String ln) {
        if (!fusedKernels()) {
            String sum = g.add(sumName, x, a);
            return new String[] {sum, g.layerNorm(ln, sum, vec(g, ln + ".weight"), vec(g, ln + ".bias"))};
        }
        String[] out = g.msNodeMulti("SkipLayerNormalization", new String[] {ln, "", "", sumName},
                List.of(x, a, vec(g, ln + ".weight"), vec(g, ln + ".bias")), OnnxGraph.attr("epsilon", 1e-5f));
        return new String[] {out[3], out[0]};
    }

    /**
     * Block b's output x = h + m, and ({@link #fusedKernels}, no debug outputs, when a block follows) the next block's
     * ln_1(x) from the same fused pass; else {x, null}.
     */
    private String[] blockOut(OnnxGraph g, int b, String h, String m) {
        String p = "visual.transformer.resblocks." + b;
        if (!fusedKernels() || debug || b + 1 >= arch.visionLayers()) return new String[] {g.add(p + ".out", h, m), null};
        return residualNorm(g, p + ".out", h, m, "visual.transformer.resblocks." + (b + 1) + ".ln_1");
    }

    /** MLP(ln_2(h)) = c_proj(QuickGELU(c_fc(y))) of y = ln_2(h), QuickGELU(z) = z·sigmoid(1.702 z). [B·T, D] → [B·T, D]. */
    private String mlp(OnnxGraph g, String p, String y) {
        long hidden = sd.get(p + ".mlp.c_fc.weight").dim(0);
        // the first block's c_fc stays FP32 in INT8 graphs: it reads the patch embedding almost directly, and quantising
        // it alone cost 0.05 image / 0.23 pixel AUROC on the demo model (every other block linear: ≤ 0.001)
        boolean keepFp32 = p.equals("visual.transformer.resblocks.0");
        String z = linear(g, p + ".mlp.c_fc", y, linearWeights(g, p + ".mlp.c_fc.weight", p + ".mlp.c_fc.bias", hidden, D, keepFp32)); // [B·T, 4D]
        String gate = g.node("Sigmoid", p + ".mlp.gelu_gate", List.of(g.mul(p + ".mlp.gelu_in", z, g.floatScalar(1.702f))));
        String gelu = g.mul(p + ".mlp.gelu", z, gate);
        return linear(g, p + ".mlp.c_proj", gelu, linearWeights(g, p + ".mlp.c_proj.weight", p + ".mlp.c_proj.bias", D, hidden));
    }

    /**
     * A block linear layer's initializers: FP32 W [out, in] (scales null), or INT8 Q [in, out] with per-channel
     * scales [out] (named {@code <weight>.int8} and {@code <weight>.scale}); then the bias [out].
     */
    private record LinearWeights(String weight, String scales, String bias) {}

    private LinearWeights linearWeights(OnnxGraph g, String weightKey, String biasKey, long out, long in) {
        return linearWeights(g, weightKey, biasKey, out, in, false);
    }

    private LinearWeights linearWeights(OnnxGraph g, String weightKey, String biasKey, long out, long in, boolean keepFp32) {
        float[] w = sd.floats(weightKey, out, in);
        if (precision == Precision.FP32 || keepFp32) {
            String weight = g.weight(weightKey, w, out, in);
            return new LinearWeights(weight, null, vec(g, biasKey));
        }
        Int8Weights q = Int8Weights.quantize(w, Math.toIntExact(out), Math.toIntExact(in));
        String weight = g.int8Weight(weightKey + ".int8", q.q(), in, out);
        String scales = g.weight(weightKey + ".scale", q.scales(), out);
        return new LinearWeights(weight, scales, vec(g, biasKey));
    }

    /**
     * y = x Wᵀ + b for x [N, in]. FP32: one Gemm. INT8: DynamicQuantizeMatMul quantises x per tensor to uint8 at run
     * time (scale and zero point from its min/max), multiplies by Q in integers and returns float
     * y = s_x·s_W ⊙ ((x_q − z_x) Q) + b.
     */
    private String linear(OnnxGraph g, String out, String x, LinearWeights w) {
        if (w.scales() == null) return g.linear(out, x, w.weight(), w.bias());
        return g.msNode("DynamicQuantizeMatMul", out, List.of(x, w.weight(), w.scales(), "", w.bias()));
    }

    /** softmax over (normal, abnormal) of cos(f, t_c)/0.07 with f L2-normalised: [..., E] → [..., 2]. */
    private String probabilities(OnnxGraph g, String n, String features, String textT) {
        String norm = g.node("ReduceL2", n + ".norm", List.of(features), OnnxGraph.attrInts("axes", -1), OnnxGraph.attr("keepdims", 1));
        String unit = g.div(n + ".unit", features, norm);
        String logits = g.div(n + ".logits", g.matMul(n + ".cos", unit, textT), g.floatScalar(TEMPERATURE));
        return g.softmaxLastAxis(n + ".probs", logits);
    }

    /** A 1-D checkpoint vector [D] (LayerNorm weights, biases, class embedding) as an initializer. */
    private String vec(OnnxGraph g, String key) {
        if (g.defines(key)) return key;
        long n = sd.get(key).dim(0);
        return g.weight(key, sd.floats(key, n), n);   // floats(key, n) insists on shape [n]
    }

    private void debugTokens(OnnxGraph g, String name, String x2d) {
        if (!debug) return;
        g.reshape(name, x2d, -1, T, D);
        g.output(name, BATCH, T, D);
    }

    private String describe() {
        return "AnomalyCLIP vision + scoring" + (precision == Precision.FP32 ? "" : " (" + precision.id() + " linear layers)")
                + ": image_size " + S + ", patch " + P + ", grid " + G + ", width " + D + ", heads " + H
                + ", blocks " + arch.visionLayers() + ", DPAM blocks " + settings.dpamBlocksFor(arch.visionLayers())
                + ", taps " + settings.featuresList() + " (" + settings.tapReduction() + "), sigma " + settings.sigma();
    }

    private List<StringStringEntryProto> metadata() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("anomalyclip.image_size", Integer.toString(S));
        m.put("anomalyclip.patch_size", Integer.toString(P));
        m.put("anomalyclip.grid", Integer.toString(G));
        m.put("anomalyclip.features_list", settings.featuresList().toString());
        m.put("anomalyclip.dpam_blocks", settings.dpamBlocksFor(arch.visionLayers()).toString());
        m.put(TAP_REDUCTION_METADATA, settings.tapReduction().name());
        m.put(SIGMA_METADATA, Double.toString(settings.sigma()));
        if (precision != Precision.FP32) m.put(PRECISION_METADATA, precision.id()); // FP32 models stay as they always were
        List<StringStringEntryProto> out = new ArrayList<>();
        m.forEach((k, v) -> out.add(StringStringEntryProto.newBuilder().setKey(k).setValue(v).build()));
        return out;
    }
}
