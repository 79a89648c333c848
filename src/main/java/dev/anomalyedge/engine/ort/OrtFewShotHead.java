package dev.anomalyedge.engine.ort;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.anomalyedge.engine.AnomalyEngine.FeatureBatch;
import dev.anomalyedge.engine.AnomalyEngine.ScoreBatch;
import dev.anomalyedge.engine.EngineException;
import dev.anomalyedge.fewshot.MemoryBank;
import dev.anomalyedge.graph.FewShotGraphBuilder;
import dev.anomalyedge.model.AnomalyClipSettings;

import java.nio.FloatBuffer;
import java.util.Map;
import java.util.Set;

/**
 * The few-shot bank search ({@link FewShotGraphBuilder}) as an ONNX Runtime CPU session of its own. It owns the session
 * and its options; {@link #close()} releases them. One image is searched per run so the intermediate similarity matrix
 * stays at 4·K·G²·N bytes. The bank is fed as float16, as stored. Runs may be concurrent (ORT sessions are thread-safe);
 * the owner keeps runs and close apart.
 */
public final class OrtFewShotHead implements AutoCloseable {
    private final OrtEnvironment env;
    private final OrtSession.SessionOptions options;
    private final OrtSession session;
    private final int taps, tokens, embedDim, imageSize;

    private OrtFewShotHead(OrtEnvironment env, OrtSession.SessionOptions options, OrtSession session, int taps, int tokens, int embedDim,
                           int imageSize) {
        this.env = env;
        this.options = options;
        this.session = session;
        this.taps = taps;
        this.tokens = tokens;
        this.embedDim = embedDim;
        this.imageSize = imageSize;
    }

    /** A head for features [K, B, T, E] whose maps have side {@code imageSize}, smoothed with {@code sigma}. */
    public static OrtFewShotHead open(int taps, int tokens, int embedDim, int imageSize, double sigma, AnomalyClipSettings.TapReduction reduction,
                                      int intraOpThreads) {
        byte[] model = FewShotGraphBuilder.build(taps, tokens, embedDim, imageSize, sigma, reduction);
        OrtEnvironment env = OrtRuntime.environment();
        OrtSession.SessionOptions options;
        try {
            options = OrtRuntime.sessionOptions(intraOpThreads);
        } catch (OrtException e) {
            throw new EngineException("ONNX Runtime cannot set up the few-shot head's session: " + e.getMessage(), e);
        }
        try {
            return new OrtFewShotHead(env, options, env.createSession(model, options), taps, tokens, embedDim, imageSize);
        } catch (OrtException e) {
            options.close();
            throw new EngineException("ONNX Runtime cannot load the few-shot head: " + e.getMessage(), e);
        }
    }

    /** Few-shot scores [B] and maps [B, S, S] of {@code f} against {@code bank}. */
    public ScoreBatch search(FeatureBatch f, MemoryBank bank) {
        if (f.taps() != taps || f.tokens() != tokens || f.embedDim() != embedDim) {
            throw new EngineException("features [K=" + f.taps() + ", T=" + f.tokens() + ", E=" + f.embedDim() + "] do not match the few-shot head [K="
                    + taps + ", T=" + tokens + ", E=" + embedDim + "]");
        }
        if (!bank.matches(taps, embedDim)) {
            throw new EngineException("the memory bank [K=" + bank.taps() + ", N=" + bank.size() + ", E=" + bank.embedDim()
                    + "] was built for another model (this one has K=" + taps + ", E=" + embedDim + ")");
        }
        int b = f.batch(), perImage = tokens * embedDim, perMap = imageSize * imageSize;
        float[] scores = new float[b], maps = new float[Math.toIntExact((long) b * perMap)];
        float[] one = new float[taps * perImage];
        try (OnnxTensor bankTensor = OnnxTensor.createTensor(env, bank.halfBuffer(), new long[] {taps, bank.size(), embedDim}, OnnxJavaType.FLOAT16)) {
            for (int i = 0; i < b; i++) {
                for (int k = 0; k < taps; k++) {
                    System.arraycopy(f.patchFeatures(), Math.toIntExact(((long) k * b + i) * perImage), one, k * perImage, perImage); // [K,1,T,E]
                }
                try (OnnxTensor feats = OnnxTensor.createTensor(env, FloatBuffer.wrap(one), new long[] {taps, 1, tokens, embedDim});
                     OrtSession.Result r = session.run(Map.of(FewShotGraphBuilder.INPUT_PATCH_FEATURES, feats,
                             FewShotGraphBuilder.INPUT_MEMORY_BANK, bankTensor), Set.of(FewShotGraphBuilder.OUTPUT_MAP, FewShotGraphBuilder.OUTPUT_SCORE))) {
                    floats(r, FewShotGraphBuilder.OUTPUT_MAP).get(maps, i * perMap, perMap);
                    scores[i] = floats(r, FewShotGraphBuilder.OUTPUT_SCORE).get(0);
                }
            }
        } catch (OrtException e) {
            throw new EngineException("few-shot bank search of a batch of " + b + " failed: " + e.getMessage(), e);
        }
        return new ScoreBatch(b, imageSize, scores, maps);
    }

    private static FloatBuffer floats(OrtSession.Result r, String name) {
        OnnxValue v = r.get(name).orElseThrow(() -> new EngineException("few-shot head output '" + name + "' was not produced"));
        if (!(v instanceof OnnxTensor t)) throw new EngineException("few-shot head output '" + name + "' is not a tensor");
        return t.getFloatBuffer();
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new EngineException("cannot close the few-shot head session: " + e.getMessage(), e);
        } finally {
            options.close();
        }
    }
}
