package dev.anomalyedge.text;

import dev.anomalyedge.torch.Scoped;
import dev.anomalyedge.torch.TorchRuntime;
import dev.anomalyedge.torch.TorchTensors;

import dev.anomalyedge.model.ClipArchitecture;
import dev.anomalyedge.weights.StateDict;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

import java.util.ArrayList;
import java.util.List;

/**
 * The frozen CLIP text transformer with AnomalyCLIP's deep prompts (docs/method.md §6.3), on libtorch so that the same code
 * computes the bundle's text embeddings and, with autograd, trains the prompt learner.
 *
 * <pre>
 * x = prompts + positional_embedding                               [2, L, Dt]
 * for block b = 0 .. Lt−1:
 *     if b ≥ 1 and b−1 &lt; depth−1:  x[:, 1 .. t_n_ctx] = fp16(compound_prompts_text[b−1])   (both rows)
 *     x = x + MHA_causal(ln_1(x));   x = x + MLP(ln_2(x))
 * t_raw[s] = ln_final(x)[s, argmax(ids[s])] @ text_projection      [2, E]
 * t[s] = t_raw[s] / ‖t_raw[s]‖
 * </pre>
 *
 * <p>The CLIP weights are constants (no grad). The encoder owns them and frees them in {@link #close()}. It holds no
 * per-call state, but libtorch autograd state is per thread: use one encoder from one thread at a time.
 */
public final class TextEncoder implements AutoCloseable {
    private static final double LN_EPS = 1e-5;

    /** One residual attention block's weights; Linear weights are [out, in]. */
    private record Block(Tensor ln1W, Tensor ln1B, Tensor inProjW, Tensor inProjB, Tensor outProjW, Tensor outProjB,
                         Tensor ln2W, Tensor ln2B, Tensor fcW, Tensor fcB, Tensor projW, Tensor projB) {
        List<Tensor> all() {
            return List.of(ln1W, ln1B, inProjW, inProjB, outProjW, outProjB, ln2W, ln2B, fcW, fcB, projW, projB);
        }
    }

    private final ClipArchitecture arch;
    private final Tensor positional;      // [L, Dt]
    private final List<Block> blocks;
    private final Tensor lnFinalW, lnFinalB;
    private final Tensor textProjection;  // [Dt, E], used as x @ P
    private final Tensor causalMask;      // [L, L], −inf above the diagonal, 0 elsewhere
    private boolean closed;

    private TextEncoder(ClipArchitecture arch, Tensor positional, List<Block> blocks, Tensor lnFinalW, Tensor lnFinalB,
                        Tensor textProjection, Tensor causalMask) {
        this.arch = arch;
        this.positional = positional;
        this.blocks = List.copyOf(blocks);
        this.lnFinalW = lnFinalW;
        this.lnFinalB = lnFinalB;
        this.textProjection = textProjection;
        this.causalMask = causalMask;
    }

    /**
     * Copies the text-side CLIP weights ({@code positional_embedding}, {@code transformer.resblocks.*},
     * {@code ln_final.*}, {@code text_projection}) into libtorch; every shape is checked against {@code arch}
     * (whose text heads may differ from width/64). {@code token_embedding.weight} is only checked here: the prompt
     * learner holds the embedded tokens.
     */
    public static TextEncoder load(StateDict clip, ClipArchitecture arch) {
        int d = arch.textWidth(), len = arch.contextLength(), e = arch.embedDim();
        clip.get("token_embedding.weight", arch.vocabSize(), d);
        TorchRuntime.ensureLoaded();
        List<Tensor> made = new ArrayList<>();
        try {
            Tensor positional = constant(made, clip, "positional_embedding", len, d);
            List<Block> blocks = new ArrayList<>();
            for (int b = 0; b < arch.textLayers(); b++) {
                String p = "transformer.resblocks." + b + ".";
                long hidden = clip.get(p + "mlp.c_fc.weight").dim(0);
                blocks.add(new Block(
                        constant(made, clip, p + "ln_1.weight", d), constant(made, clip, p + "ln_1.bias", d),
                        constant(made, clip, p + "attn.in_proj_weight", 3L * d, d),
                        constant(made, clip, p + "attn.in_proj_bias", 3L * d),
                        constant(made, clip, p + "attn.out_proj.weight", d, d),
                        constant(made, clip, p + "attn.out_proj.bias", d),
                        constant(made, clip, p + "ln_2.weight", d), constant(made, clip, p + "ln_2.bias", d),
                        constant(made, clip, p + "mlp.c_fc.weight", hidden, d), constant(made, clip, p + "mlp.c_fc.bias", hidden),
                        constant(made, clip, p + "mlp.c_proj.weight", d, hidden), constant(made, clip, p + "mlp.c_proj.bias", d)));
            }
            Tensor lnW = constant(made, clip, "ln_final.weight", d);
            Tensor lnB = constant(made, clip, "ln_final.bias", d);
            Tensor proj = constant(made, clip, "text_projection", d, e);
            Tensor mask = Scoped.owned(() -> TorchRuntime.onDevice(torch.full(new long[] {len, len}, new Scalar(Float.NEGATIVE_INFINITY)).triu(1)));
            made.add(mask);
            return new TextEncoder(arch, positional, blocks, lnW, lnB, proj, mask);
        } catch (RuntimeException | Error ex) {
            made.forEach(Tensor::close);
            throw ex;
        }
    }

    private static Tensor constant(List<Tensor> made, StateDict sd, String key, long... shape) {
        float[] values = sd.floats(key, shape);
        Tensor t = Scoped.owned(() -> TorchTensors.fromFloats(values, shape));
        made.add(t);
        return t;
    }

    public ClipArchitecture architecture() { return arch; }

    // ------------------------------------------------------------------------------------------------ encoding

    /**
     * Raw text features t_raw [2, E] (row 0 normal, row 1 abnormal), connected to the autograd graph of the prompt
     * learner's parameters when grad mode is on. The result belongs to the caller's PointerScope if one is open,
     * otherwise to the caller.
     */
    public Tensor encode(PromptLearner learner) {
        checkCompatible(learner);
        return Scoped.compute(() -> forward(learner, null));
    }

    /** L2-normalised text features [2, E] (autograd-capable; ownership as in {@link #encode}). */
    public Tensor encodeNormalized(PromptLearner learner) {
        checkCompatible(learner);
        return Scoped.compute(() -> normalize(forward(learner, null)));
    }

    /**
     * The bundle's text embeddings, computed without autograd: [2·E] = (t_normal, t_abnormal), each L2-normalised.
     */
    public float[] normalizedEmbeddings(PromptLearner learner) {
        checkCompatible(learner);
        try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
            return TorchTensors.toFloats(normalize(forward(learner, null)));
        }
    }

    /** Every intermediate of one forward pass (no autograd), as float32 copies in batch-first layout. */
    public record Trace(dev.anomalyedge.tensor.Tensor promptEmbeddings,         // [2, L, Dt], before positions
                        List<dev.anomalyedge.tensor.Tensor> insertedDeepPrompts, // depth−1 × [t_n_ctx, Dt], row 0 as inserted
                        List<dev.anomalyedge.tensor.Tensor> blockOutputs,        // Lt × [2, L, Dt]
                        dev.anomalyedge.tensor.Tensor lnFinal,                   // [2, L, Dt]
                        dev.anomalyedge.tensor.Tensor raw,                       // [2, E]
                        dev.anomalyedge.tensor.Tensor normalized) {}             // [2, E]

    /** Runs the encoder recording every intermediate (for tests and diagnostics). */
    public Trace encodeWithTrace(PromptLearner learner) {
        checkCompatible(learner);
        TraceBuilder trace = new TraceBuilder();
        try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
            Tensor raw = forward(learner, trace);
            Tensor norm = normalize(raw);
            return new Trace(trace.prompts, List.copyOf(trace.deep), List.copyOf(trace.blocks), trace.lnFinal,
                    TorchTensors.toTensor(raw), TorchTensors.toTensor(norm));
        }
    }

    private static final class TraceBuilder {
        dev.anomalyedge.tensor.Tensor prompts;
        final List<dev.anomalyedge.tensor.Tensor> deep = new ArrayList<>();
        final List<dev.anomalyedge.tensor.Tensor> blocks = new ArrayList<>();
        dev.anomalyedge.tensor.Tensor lnFinal;
    }

    /** t / ‖t‖ over the last dimension (differentiable); the result belongs to the innermost open PointerScope. */
    public static Tensor normalize(Tensor t) {
        return t.div(torch.linalg_vector_norm(t, new Scalar(2.0), new long[] {-1}, true, new ScalarTypeOptional()));
    }

    /**
     * The forward pass of docs/method.md §6.3; all temporaries belong to the caller's PointerScope.
     *
     * <p>Attention is causal, so position i sees only positions ≤ i, and the output is read at the end tokens: the
     * positions after the later end token (padding, 60 of the 77 for the official prompts) change nothing that is read.
     * Without a trace the pass therefore runs on the first L' = max(eot) + 1 positions only ([2, L', Dt]; the same
     * values, a quarter of the work). A trace keeps all L positions, as the reference records them.
     */
    private Tensor forward(PromptLearner learner, TraceBuilder trace) {
        PromptDims dims = learner.dims();
        int[] eot = learner.eotPositions();
        long len = trace != null ? dims.contextLength()
                : Math.max(Math.max(eot[0], eot[1]) + 1, 1 + dims.tNCtx() + 1);  // keep room for the deep prompts
        Tensor prompts = learner.forward();                                   // [2, L, Dt]
        if (trace != null) trace.prompts = TorchTensors.toTensor(prompts);
        if (len < dims.contextLength()) prompts = prompts.narrow(1, 0, len);  // [2, L', Dt]
        Tensor mask = len < dims.contextLength() ? causalMask.narrow(0, 0, len).narrow(1, 0, len) : causalMask;   // [L', L']
        Tensor x = prompts.add(len < dims.contextLength() ? positional.narrow(0, 0, len) : positional);   // [2, L', Dt]
        for (int b = 0; b < blocks.size(); b++) {
            if (b >= 1 && b - 1 < dims.deepPrompts()) {
                x = withDeepPrompt(x, learner.deepPrompt(b - 1), dims.tNCtx());
                if (trace != null) trace.deep.add(TorchTensors.toTensor(x.select(0, 0).narrow(0, 1, dims.tNCtx())));
            }
            x = residualBlock(blocks.get(b), x, mask);
            if (trace != null) trace.blocks.add(TorchTensors.toTensor(x));
        }
        x = layerNorm(x, lnFinalW, lnFinalB);                                 // [2, L, Dt]
        if (trace != null) trace.lnFinal = TorchTensors.toTensor(x);
        Tensor eotTokens = torch.cat(new TensorVector(                       // [2, Dt]
                x.select(0, 0).narrow(0, eot[0], 1),
                x.select(0, 1).narrow(0, eot[1], 1)), 0);
        return eotTokens.matmul(textProjection);                              // [2, E]
    }

    /**
     * x[:, 1 .. t_n_ctx] ← fp16(deep) for both rows, built by concatenation so autograd flows into {@code deep}.
     * The fp16 round trip happens on the per-row copies, so, as in the reference, the gradient is rounded to fp16 per
     * row and then summed over the two rows in float32.
     */
    private static Tensor withDeepPrompt(Tensor x, Tensor deep, int tNCtx) {
        long rows = x.size(0), len = x.size(1), d = x.size(2);
        Tensor inserted = deep.unsqueeze(0).expand(rows, tNCtx, d)            // [2, t_n_ctx, Dt]
                .to(torch.ScalarType.Half).to(torch.ScalarType.Float);
        return torch.cat(new TensorVector(
                x.narrow(1, 0, 1),                                            // SOT
                inserted,
                x.narrow(1, 1 + tNCtx, len - 1 - tNCtx)), 1);                 // rest of the context, words, padding
    }

    /** x + MHA(ln_1(x)), then + MLP(ln_2(x)); {@code mask} is the causal mask of x's length. */
    private Tensor residualBlock(Block w, Tensor x, Tensor mask) {
        x = x.add(attention(w, layerNorm(x, w.ln1W(), w.ln1B()), mask));
        return x.add(mlp(w, layerNorm(x, w.ln2W(), w.ln2B())));
    }

    /**
     * Causal multi-head self-attention: [q|k|v] = y W_inᵀ + b_in; per head h: softmax(q_h k_hᵀ / √hd + mask) v_h;
     * heads concatenated, then W_out.
     */
    private Tensor attention(Block w, Tensor y, Tensor mask) {
        long rows = y.size(0), len = y.size(1), d = y.size(2);
        long heads = arch.textHeads(), hd = d / heads;
        Tensor qkv = linear(y, w.inProjW(), w.inProjB());                    // [2, L, 3Dt]
        Tensor q = splitHeads(qkv.narrow(2, 0, d), heads, hd);               // [2, H, L, hd]
        Tensor k = splitHeads(qkv.narrow(2, d, d), heads, hd);
        Tensor v = splitHeads(qkv.narrow(2, 2 * d, d), heads, hd);
        Tensor scores = q.matmul(k.transpose(2, 3))                          // [2, H, L, L]
                .mul(new Scalar(1.0 / Math.sqrt(hd)))
                .add(mask);
        Tensor o = scores.softmax(-1).matmul(v);                              // [2, H, L, hd]
        o = o.transpose(1, 2).reshape(rows, len, d);                          // [2, L, Dt]
        return linear(o, w.outProjW(), w.outProjB());
    }

    private static Tensor splitHeads(Tensor t, long heads, long hd) {
        return t.reshape(t.size(0), t.size(1), heads, hd).transpose(1, 2);
    }

    /** c_proj(QuickGELU(c_fc(y))), QuickGELU(z) = z·sigmoid(1.702 z). */
    private static Tensor mlp(Block w, Tensor y) {
        Tensor h = linear(y, w.fcW(), w.fcB());
        h = h.mul(h.mul(new Scalar(1.702)).sigmoid());
        return linear(h, w.projW(), w.projB());
    }

    private static Tensor linear(Tensor x, Tensor weight, Tensor bias) {
        return torch.linear(x, weight, new TensorOptional(bias));
    }

    private static Tensor layerNorm(Tensor x, Tensor weight, Tensor bias) {
        return torch.layer_norm(x, new long[] {x.size(-1)}, new TensorOptional(weight), new TensorOptional(bias), LN_EPS, false);
    }

    private void checkCompatible(PromptLearner learner) {
        if (closed) throw new IllegalStateException("text encoder is closed");
        PromptDims dims = learner.dims();
        if (dims.width() != arch.textWidth() || dims.contextLength() != arch.contextLength()) {
            throw new IllegalArgumentException("prompt learner has width " + dims.width() + " and context " + dims.contextLength()
                    + " but the text encoder has width " + arch.textWidth() + " and context " + arch.contextLength());
        }
        if (dims.deepPrompts() > arch.textLayers() - 1) {
            throw new IllegalArgumentException("depth " + dims.depth() + " needs " + dims.deepPrompts()
                    + " text blocks after block 0 but the text encoder has " + arch.textLayers() + " blocks");
        }
    }

    /** Every native tensor this encoder owns (weights and the causal mask). */
    List<Tensor> ownedTensors() {
        List<Tensor> all = new ArrayList<>(List.of(positional, lnFinalW, lnFinalB, textProjection, causalMask));
        for (Block b : blocks) all.addAll(b.all());
        return all;
    }

    /** Frees the native weights; idempotent. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        ownedTensors().forEach(Tensor::close);
    }
}
