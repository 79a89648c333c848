package dev.anomalyedge.text;

import dev.anomalyedge.torch.Scoped;
import dev.anomalyedge.torch.TorchRuntime;
import dev.anomalyedge.torch.TorchTensors;

import dev.anomalyedge.tensor.DType;
import dev.anomalyedge.weights.CheckpointException;
import dev.anomalyedge.weights.StateDict;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * AnomalyCLIP's prompt learner ({@code AnomalyCLIP_PromptLearner}, docs/method.md §6.2) as libtorch tensors.
 *
 * <p>Learnable parameters (requires_grad): {@code ctx_pos}, {@code ctx_neg} [1, 1, n_ctx, Dt] (context of the normal
 * and of the abnormal prompt) and {@code compound_prompts_text.j} [t_n_ctx, Dt], j = 0 .. depth−2 (deep prompts).
 * Buffers: {@code token_prefix_pos|neg} [1, 1, 1, Dt] (SOT embedding), {@code token_suffix_pos|neg}
 * [1, 1, L−1−n_ctx, Dt] (embeddings of the words, EOT and padding), the token ids of both prompts, and the unused
 * {@code compound_prompt_projections.j} (kept only so that a checkpoint round-trips).
 *
 * <p>"pos" = normal (row 0), "neg" = abnormal (row 1). The object owns all its native tensors and frees them in
 * {@link #close()}. Not thread-safe.
 */
public final class PromptLearner implements AutoCloseable {
    /** Output size of the never-used {@code compound_prompt_projections} (nn.Linear(Dt, 896) in the reference). */
    public static final int PROJECTION_OUT = 896;

    private final PromptDims dims;
    private final long[][] tokenIds;            // [2][L]: row 0 normal, row 1 abnormal
    private final Tensor ctxPos, ctxNeg;        // [1, 1, n_ctx, Dt], learnable
    private final List<Tensor> deepPrompts;     // depth−1 × [t_n_ctx, Dt], learnable
    private final Tensor prefixPos, suffixPos;  // [1, 1, 1, Dt], [1, 1, L−1−n_ctx, Dt]
    private final Tensor prefixNeg, suffixNeg;
    private final List<Tensor> projWeights;     // depth−1 × [896, Dt], unused
    private final List<Tensor> projBiases;      // depth−1 × [896], unused
    private boolean closed;

    private PromptLearner(PromptDims dims, long[][] tokenIds, Tensor ctxPos, Tensor ctxNeg, List<Tensor> deepPrompts,
                          Tensor prefixPos, Tensor suffixPos, Tensor prefixNeg, Tensor suffixNeg,
                          List<Tensor> projWeights, List<Tensor> projBiases) {
        this.dims = dims;
        this.tokenIds = tokenIds;
        this.ctxPos = ctxPos;
        this.ctxNeg = ctxNeg;
        this.deepPrompts = List.copyOf(deepPrompts);
        this.prefixPos = prefixPos;
        this.suffixPos = suffixPos;
        this.prefixNeg = prefixNeg;
        this.suffixNeg = suffixNeg;
        this.projWeights = List.copyOf(projWeights);
        this.projBiases = List.copyOf(projBiases);
    }

    // ------------------------------------------------------------------------------------------------ construction

    /**
     * Builds the learner from a prompt-learner state dict (AnomalyCLIP's checkpoint format, docs/method.md §3.2). Every key and
     * shape is checked against {@code dims}; unknown keys are refused (the reference loads strictly).
     */
    public static PromptLearner load(StateDict sd, PromptDims dims) {
        int n = dims.nCtx(), d = dims.width(), t = dims.tNCtx(), len = dims.contextLength();
        Set<String> expected = new LinkedHashSet<>(keyNames(dims));
        List<String> unexpected = new ArrayList<>();
        for (String k : sd.keys()) if (!expected.contains(k)) unexpected.add(k);
        if (!unexpected.isEmpty()) {
            throw new CheckpointException(sd.source() + ": unexpected prompt-learner keys " + unexpected + " for n_ctx=" + n
                    + ", depth=" + dims.depth() + ", t_n_ctx=" + t + ", width=" + d + " (expected " + expected + ")");
        }
        float[] ctxPos = sd.floats("ctx_pos", 1, 1, n, d);
        float[] ctxNeg = sd.floats("ctx_neg", 1, 1, n, d);
        float[] prefixPos = sd.floats("token_prefix_pos", 1, 1, 1, d);
        float[] suffixPos = sd.floats("token_suffix_pos", 1, 1, dims.suffixLength(), d);
        float[] prefixNeg = sd.floats("token_prefix_neg", 1, 1, 1, d);
        float[] suffixNeg = sd.floats("token_suffix_neg", 1, 1, dims.suffixLength(), d);
        long[][] ids = {tokenIdsOf(sd, "tokenized_prompts_pos", len), tokenIdsOf(sd, "tokenized_prompts_neg", len)};
        checkTokenIds(sd.source(), ids, dims, Long.MAX_VALUE);
        List<float[]> deep = new ArrayList<>();
        List<float[]> projW = new ArrayList<>();
        List<float[]> projB = new ArrayList<>();
        for (int j = 0; j < dims.deepPrompts(); j++) {
            deep.add(sd.floats("compound_prompts_text." + j, t, d));
            projW.add(sd.floats("compound_prompt_projections." + j + ".weight", PROJECTION_OUT, d));
            projB.add(sd.floats("compound_prompt_projections." + j + ".bias", PROJECTION_OUT));
        }
        return build(dims, ids, ctxPos, ctxNeg, deep, prefixPos, suffixPos, prefixNeg, suffixNeg, projW, projB);
    }

    /** {@link #load} with the state dict's own values copied; convenience for a map from {@link #stateDict()}. */
    public static PromptLearner load(Map<String, dev.anomalyedge.tensor.Tensor> stateDict, String source, PromptDims dims) {
        return load(new StateDict(source, stateDict), dims);
    }

    /**
     * A freshly initialised learner, as the reference constructor does (docs/method.md §6.2), drawing from a libtorch CPU
     * generator seeded with {@code seed} in the reference order: ctx_pos, ctx_neg ~ N(0, 0.02²); each deep prompt
     * ~ N(0, 0.02²); one nn.Linear(Dt, 896) with PyTorch's default init (kaiming_uniform(a=√5) weight, U(±1/√Dt)
     * bias), cloned for every j as {@code _get_clones} does. The buffers are rows of the CLIP token-embedding table.
     *
     * @param tokenIds       [2][L] token ids of "X…X object." (row 0) and "X…X damaged object." (row 1)
     * @param tokenEmbedding CLIP {@code token_embedding.weight} [vocab, Dt]
     */
    public static PromptLearner initialise(PromptDims dims, long[][] tokenIds, dev.anomalyedge.tensor.Tensor tokenEmbedding,
                                           long seed) {
        int n = dims.nCtx(), d = dims.width(), t = dims.tNCtx();
        long[] tableShape = tokenEmbedding.shape();
        if (tableShape.length != 2 || tableShape[1] != d || !tokenEmbedding.isFloating()) {
            throw new IllegalArgumentException("token embedding table must be a float [vocab, " + d + "] tensor, got "
                    + tokenEmbedding);
        }
        long vocab = tableShape[0];
        if (tokenIds.length != 2) throw new IllegalArgumentException("need token ids of 2 prompts, got " + tokenIds.length);
        long[][] ids = {tokenIds[0].clone(), tokenIds[1].clone()};
        checkTokenIds("token ids", ids, dims, vocab);
        float[] table = tokenEmbedding.floats();
        // token_embedding(ids): [L, Dt] per prompt; prefix = position 0, suffix = positions 1+n_ctx .. L−1
        float[][] prefix = new float[2][];
        float[][] suffix = new float[2][];
        for (int r = 0; r < 2; r++) {
            prefix[r] = embed(table, d, ids[r], 0, 1);
            suffix[r] = embed(table, d, ids[r], 1 + n, dims.suffixLength());
        }
        TorchRuntime.ensureLoaded();
        List<float[]> deep = new ArrayList<>();
        float[] ctxPos, ctxNeg, projW, projB;
        Generator gen = null;
        try {
            gen = torch.createCPUGenerator(seed);
            Generator g = gen;
            ctxPos = draw(() -> torch.empty(1, 1, n, d).normal_(0.0, 0.02, new GeneratorOptional(g)));
            ctxNeg = draw(() -> torch.empty(1, 1, n, d).normal_(0.0, 0.02, new GeneratorOptional(g)));
            for (int j = 0; j < dims.deepPrompts(); j++) {
                deep.add(draw(() -> torch.empty(t, d).normal_(0.0, 0.02, new GeneratorOptional(g))));
            }
            // nn.Linear.reset_parameters: kaiming_uniform_(W, a=√5) → bound = √3 · gain/√fan_in, gain = √(2/(1+a²))
            double a = Math.sqrt(5.0);
            double gain = Math.sqrt(2.0 / (1 + a * a));
            double wBound = Math.sqrt(3.0) * (gain / Math.sqrt(d));
            double bBound = 1 / Math.sqrt(d);
            projW = draw(() -> torch.empty(PROJECTION_OUT, d).uniform_(-wBound, wBound, new GeneratorOptional(g)));
            projB = draw(() -> torch.empty(PROJECTION_OUT).uniform_(-bBound, bBound, new GeneratorOptional(g)));
        } finally {
            if (gen != null) gen.close();
        }
        List<float[]> projWs = Collections.nCopies(dims.deepPrompts(), projW);
        List<float[]> projBs = Collections.nCopies(dims.deepPrompts(), projB);
        return build(dims, ids, ctxPos, ctxNeg, deep, prefix[0], suffix[0], prefix[1], suffix[1], projWs, projBs);
    }

    /** {@link #initialise} taking the table {@code token_embedding.weight} from a CLIP state dict. */
    public static PromptLearner initialise(PromptDims dims, long[][] tokenIds, StateDict clip, long seed) {
        long vocab = clip.get("token_embedding.weight").dim(0);
        return initialise(dims, tokenIds, clip.get("token_embedding.weight", vocab, dims.width()), seed);
    }

    private static float[] draw(java.util.function.Supplier<Tensor> body) {
        float[][] out = new float[1][];
        Scoped.run(() -> out[0] = TorchTensors.toFloats(body.get()));
        return out[0];
    }

    private static float[] embed(float[] table, int d, long[] ids, int from, int count) {
        float[] out = new float[count * d];
        for (int i = 0; i < count; i++) System.arraycopy(table, Math.toIntExact(ids[from + i] * d), out, i * d, d);
        return out;
    }

    private static PromptLearner build(PromptDims dims, long[][] ids, float[] ctxPos, float[] ctxNeg, List<float[]> deep,
                                       float[] prefixPos, float[] suffixPos, float[] prefixNeg, float[] suffixNeg,
                                       List<float[]> projW, List<float[]> projB) {
        int n = dims.nCtx(), d = dims.width(), t = dims.tNCtx(), s = dims.suffixLength();
        TorchRuntime.ensureLoaded();
        List<Tensor> made = new ArrayList<>();
        try {
            Tensor cp = keep(made, parameter(ctxPos, 1, 1, n, d));
            Tensor cn = keep(made, parameter(ctxNeg, 1, 1, n, d));
            List<Tensor> deepT = new ArrayList<>();
            for (float[] v : deep) deepT.add(keep(made, parameter(v, t, d)));
            Tensor pp = keep(made, buffer(prefixPos, 1, 1, 1, d));
            Tensor sp = keep(made, buffer(suffixPos, 1, 1, s, d));
            Tensor pn = keep(made, buffer(prefixNeg, 1, 1, 1, d));
            Tensor sn = keep(made, buffer(suffixNeg, 1, 1, s, d));
            List<Tensor> pw = new ArrayList<>();
            List<Tensor> pb = new ArrayList<>();
            for (int j = 0; j < projW.size(); j++) {
                pw.add(keep(made, buffer(projW.get(j), PROJECTION_OUT, d)));
                pb.add(keep(made, buffer(projB.get(j), PROJECTION_OUT)));
            }
            return new PromptLearner(dims, ids, cp, cn, deepT, pp, sp, pn, sn, pw, pb);
        } catch (RuntimeException | Error e) {
            made.forEach(Tensor::close);
            throw e;
        }
    }

    private static Tensor keep(List<Tensor> made, Tensor t) {
        made.add(t);
        return t;
    }

    /** A leaf tensor with requires_grad, owned by the caller. */
    private static Tensor parameter(float[] values, long... shape) {
        return Scoped.owned(() -> {
            Tensor p = TorchTensors.fromFloats(values, shape);
            p.requires_grad_(true);
            return p;
        });
    }

    /** A constant tensor (no grad), owned by the caller. */
    private static Tensor buffer(float[] values, long... shape) {
        return Scoped.owned(() -> TorchTensors.fromFloats(values, shape));
    }

    private static long[] tokenIdsOf(StateDict sd, String key, int len) {
        dev.anomalyedge.tensor.Tensor t = sd.get(key, 1, 1, len);
        if (t.isFloating()) {
            throw new CheckpointException(sd.source() + ": key '" + key + "' expected integer token ids but found " + t.dtype());
        }
        return t.longs().clone();
    }

    /** Ids in [0, vocab), L per prompt, and the EOT (largest id) after the context so the feature is a word position. */
    private static void checkTokenIds(String source, long[][] ids, PromptDims dims, long vocab) {
        for (int r = 0; r < 2; r++) {
            String which = r == 0 ? "normal" : "abnormal";
            if (ids[r].length != dims.contextLength()) {
                throw new CheckpointException(source + ": " + which + " prompt has " + ids[r].length + " token ids, expected "
                        + dims.contextLength());
            }
            for (long id : ids[r]) {
                if (id < 0 || id >= vocab) {
                    throw new CheckpointException(source + ": " + which + " prompt has token id " + id + " outside [0, "
                            + (vocab == Long.MAX_VALUE ? "vocab" : vocab) + ")");
                }
            }
            int eot = argmax(ids[r]);
            if (eot <= dims.nCtx()) {
                throw new CheckpointException(source + ": " + which + " prompt has its end-of-text (largest id) at position "
                        + eot + ", expected after the " + dims.nCtx() + " context positions: " + Arrays.toString(ids[r]));
            }
        }
    }

    private static int argmax(long[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
        return best;
    }

    /** State-dict key names in the reference order (parameters, buffers, sub-modules). */
    static List<String> keyNames(PromptDims dims) {
        List<String> keys = new ArrayList<>(List.of("ctx_pos", "ctx_neg", "token_prefix_pos", "token_suffix_pos",
                "token_prefix_neg", "token_suffix_neg", "tokenized_prompts_pos", "tokenized_prompts_neg"));
        for (int j = 0; j < dims.deepPrompts(); j++) keys.add("compound_prompts_text." + j);
        for (int j = 0; j < dims.deepPrompts(); j++) {
            keys.add("compound_prompt_projections." + j + ".weight");
            keys.add("compound_prompt_projections." + j + ".bias");
        }
        return keys;
    }

    // ------------------------------------------------------------------------------------------------ use

    public PromptDims dims() { return dims; }

    /** Token ids [2][L] (row 0 normal, row 1 abnormal), a copy. */
    public long[][] tokenIds() {
        return new long[][] {tokenIds[0].clone(), tokenIds[1].clone()};
    }

    /** End-of-text position of each prompt: argmax of its token ids (EOT has the largest id). */
    public int[] eotPositions() {
        return new int[] {argmax(tokenIds[0]), argmax(tokenIds[1])};
    }

    /**
     * prompts [2, L, Dt] = [cat(prefix_pos, ctx_pos, suffix_pos); cat(prefix_neg, ctx_neg, suffix_neg)], connected to
     * the autograd graph of ctx_pos/ctx_neg. The result belongs to the caller's PointerScope if one is open, otherwise
     * to the caller.
     */
    public Tensor forward() {
        checkOpen();
        return Scoped.compute(() -> {
            Tensor pos = torch.cat(new TensorVector(prefixPos, ctxPos, suffixPos), 2);   // [1, 1, L, Dt]
            Tensor neg = torch.cat(new TensorVector(prefixNeg, ctxNeg, suffixNeg), 2);   // [1, 1, L, Dt]
            return torch.cat(new TensorVector(pos, neg), 1).reshape(2, dims.contextLength(), dims.width());
        });
    }

    /** Deep prompt {@code compound_prompts_text.j} [t_n_ctx, Dt] (a parameter owned by this learner; do not close). */
    public Tensor deepPrompt(int j) {
        checkOpen();
        return deepPrompts.get(j);
    }

    /**
     * The trainable parameters by reference name, in the reference order: ctx_pos, ctx_neg, compound_prompts_text.j.
     * The tensors are owned by this learner (do not close them); an optimiser updates them in place.
     */
    public Map<String, Tensor> trainableParameters() {
        checkOpen();
        Map<String, Tensor> out = new LinkedHashMap<>();
        out.put("ctx_pos", ctxPos);
        out.put("ctx_neg", ctxNeg);
        for (int j = 0; j < deepPrompts.size(); j++) out.put("compound_prompts_text." + j, deepPrompts.get(j));
        return out;
    }

    /**
     * A copy of the current values under the reference key names and order (docs/method.md §3.2), ready for
     * {@link dev.anomalyedge.weights.Safetensors#write}. Token ids are int tensors tagged I32 like the reference's.
     */
    public Map<String, dev.anomalyedge.tensor.Tensor> stateDict() {
        checkOpen();
        Map<String, dev.anomalyedge.tensor.Tensor> out = new LinkedHashMap<>();
        out.put("ctx_pos", TorchTensors.toTensor(ctxPos));
        out.put("ctx_neg", TorchTensors.toTensor(ctxNeg));
        out.put("token_prefix_pos", TorchTensors.toTensor(prefixPos));
        out.put("token_suffix_pos", TorchTensors.toTensor(suffixPos));
        out.put("token_prefix_neg", TorchTensors.toTensor(prefixNeg));
        out.put("token_suffix_neg", TorchTensors.toTensor(suffixNeg));
        long[] idShape = {1, 1, dims.contextLength()};
        out.put("tokenized_prompts_pos", dev.anomalyedge.tensor.Tensor.ofLongs(DType.I32, idShape, tokenIds[0].clone()));
        out.put("tokenized_prompts_neg", dev.anomalyedge.tensor.Tensor.ofLongs(DType.I32, idShape, tokenIds[1].clone()));
        for (int j = 0; j < deepPrompts.size(); j++) {
            out.put("compound_prompts_text." + j, TorchTensors.toTensor(deepPrompts.get(j)));
        }
        for (int j = 0; j < projWeights.size(); j++) {
            out.put("compound_prompt_projections." + j + ".weight", TorchTensors.toTensor(projWeights.get(j)));
            out.put("compound_prompt_projections." + j + ".bias", TorchTensors.toTensor(projBiases.get(j)));
        }
        return out;
    }

    private void checkOpen() {
        if (closed) throw new IllegalStateException("prompt learner is closed");
    }

    /** Frees every native tensor of this learner; idempotent. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        List<Tensor> all = new ArrayList<>(List.of(ctxPos, ctxNeg, prefixPos, suffixPos, prefixNeg, suffixNeg));
        all.addAll(deepPrompts);
        all.addAll(projWeights);
        all.addAll(projBiases);
        all.forEach(Tensor::close);
    }
}
