package dev.anomalyedge.engine.ort;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.anomalyedge.engine.AnomalyEngine;
import dev.anomalyedge.engine.EngineException;
import dev.anomalyedge.fewshot.MemoryBank;
import dev.anomalyedge.model.AnomalyClipSettings;
import dev.anomalyedge.graph.ScoringGraphBuilder;
import dev.anomalyedge.tensor.Tensor;

import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * ONNX Runtime (CPU) engine over a model written by {@link ScoringGraphBuilder} (external data beside the model).
 * It owns one {@link OrtSession} and its options; {@link #close()} releases them. The process-wide
 * {@link OrtEnvironment} singleton is shared and never closed here. Each call fetches only the outputs it needs.
 * Calls may run concurrently; {@link #close()} waits for running calls to finish.
 */
public final class OrtAnomalyEngine implements AnomalyEngine {
    private final Path modelFile;
    private final OrtEnvironment env;
    private final OrtSession.SessionOptions options;
    private final OrtSession session;
    private final String backend;
    private final int imageSize;
    private final int taps, tokens, embedDim;
    private final int intraOpThreads;
    private OrtFewShotHead head; // the bank search, opened on first use (guarded by this)
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock(); // read: a run, write: close
    private boolean closed;

    private OrtAnomalyEngine(Path modelFile, OrtEnvironment env, OrtSession.SessionOptions options, OrtSession session, int intraOpThreads) {
        this.modelFile = modelFile;
        this.intraOpThreads = intraOpThreads;
        this.env = env;
        this.options = options;
        this.session = session;
        long[] in = tensorShape(ScoringGraphBuilder.INPUT_IMAGE, true);
        long[] feats = tensorShape(ScoringGraphBuilder.OUTPUT_PATCH_FEATURES, false);
        tensorShape(ScoringGraphBuilder.OUTPUT_IMAGE_SCORE, false);
        tensorShape(ScoringGraphBuilder.OUTPUT_ANOMALY_MAP, false);
        tensorShape(ScoringGraphBuilder.OUTPUT_IMAGE_FEATURES, false);
        if (in.length != 4 || in[1] != 3 || in[2] != in[3] || in[2] <= 0) {
            throw new EngineException(modelFile + ": input '" + ScoringGraphBuilder.INPUT_IMAGE + "' expected shape [batch, 3, S, S] but found "
                    + Arrays.toString(in));
        }
        if (feats.length != 4 || feats[0] <= 0 || feats[2] <= 0 || feats[3] <= 0) {
            throw new EngineException(modelFile + ": output '" + ScoringGraphBuilder.OUTPUT_PATCH_FEATURES
                    + "' expected shape [K, batch, T, E] but found " + Arrays.toString(feats));
        }
        this.backend = "onnxruntime-cpu" + precisionSuffix(session); // "onnxruntime-cpu-int8" for an INT8 graph
        this.imageSize = (int) in[2];
        this.taps = (int) feats[0];
        this.tokens = (int) feats[2];
        this.embedDim = (int) feats[3];
    }

    /** Opens {@code modelFile} with one intra-op thread per available processor. */
    public static OrtAnomalyEngine open(Path modelFile) {
        return open(modelFile, Runtime.getRuntime().availableProcessors());
    }

    /** Opens {@code modelFile} with {@code intraOpThreads} threads inside each operator. */
    public static OrtAnomalyEngine open(Path modelFile, int intraOpThreads) {
        return open(modelFile, intraOpThreads, null);
    }

    /**
     * As {@link #open(Path, int)}, with ONNX Runtime's session profiling on when {@code profilePrefix} is not null: every
     * run's kernels are traced to a JSON file whose name starts with the prefix, written by {@link #endProfiling()}.
     */
    public static OrtAnomalyEngine open(Path modelFile, int intraOpThreads, Path profilePrefix) {
        if (intraOpThreads < 1) throw new EngineException("intra-op threads must be >= 1, got " + intraOpThreads);
        if (!Files.isRegularFile(modelFile)) throw new EngineException(modelFile + ": ONNX model file not found");
        OrtEnvironment env = OrtRuntime.environment();
        OrtSession.SessionOptions options;
        try {
            options = OrtRuntime.sessionOptions(intraOpThreads);
        } catch (OrtException e) {
            throw new EngineException(modelFile + ": ONNX Runtime cannot set up a session: " + e.getMessage(), e);
        }
        try {
            if (profilePrefix != null) options.enableProfiling(profilePrefix.toString());
            OrtSession session = env.createSession(modelFile.toString(), options);
            try {
                return new OrtAnomalyEngine(modelFile, env, options, session, intraOpThreads);
            } catch (RuntimeException e) {
                session.close();
                throw e;
            }
        } catch (OrtException e) {
            options.close();
            throw new EngineException(modelFile + ": ONNX Runtime cannot load the model: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            options.close();
            throw e;
        }
    }

    @Override
    public int imageSize() { return imageSize; }

    @Override
    public String backend() { return backend; }

    /** "-int8" when the graph's metadata names a precision other than FP32 ({@link ScoringGraphBuilder#PRECISION_METADATA}). */
    private static String precisionSuffix(OrtSession session) {
        try {
            String p = session.getMetadata().getCustomMetadata().get(ScoringGraphBuilder.PRECISION_METADATA);
            return p == null || p.isBlank() ? "" : "-" + p;
        } catch (OrtException e) {
            throw new EngineException("cannot read the model's metadata: " + e.getMessage(), e);
        }
    }

    /** K, the number of feature taps. */
    public int taps() { return taps; }

    /** T = G² + 1 tokens per image. */
    public int tokens() { return tokens; }

    /** E, the joint embedding dimension. */
    public int embedDim() { return embedDim; }

    @Override
    public ScoreBatch score(float[] images, int batch) {
        Map<String, Tensor> out = run(images, batch, java.util.List.of(ScoringGraphBuilder.OUTPUT_IMAGE_SCORE, ScoringGraphBuilder.OUTPUT_ANOMALY_MAP));
        return new ScoreBatch(batch, imageSize, out.get(ScoringGraphBuilder.OUTPUT_IMAGE_SCORE).floats(),
                out.get(ScoringGraphBuilder.OUTPUT_ANOMALY_MAP).floats());
    }

    @Override
    public FeatureBatch features(float[] images, int batch) {
        Map<String, Tensor> out = run(images, batch, java.util.List.of(ScoringGraphBuilder.OUTPUT_PATCH_FEATURES, ScoringGraphBuilder.OUTPUT_IMAGE_FEATURES));
        return new FeatureBatch(batch, taps, tokens, embedDim, out.get(ScoringGraphBuilder.OUTPUT_PATCH_FEATURES).floats(),
                out.get(ScoringGraphBuilder.OUTPUT_IMAGE_FEATURES).floats());
    }

    /** One run of the vision graph for the zero-shot scores and maps and the features of the same images. */
    @Override
    public ScoredFeatures scoreAndFeatures(float[] images, int batch) {
        Map<String, Tensor> out = run(images, batch, java.util.List.of(ScoringGraphBuilder.OUTPUT_IMAGE_SCORE, ScoringGraphBuilder.OUTPUT_ANOMALY_MAP,
                ScoringGraphBuilder.OUTPUT_PATCH_FEATURES, ScoringGraphBuilder.OUTPUT_IMAGE_FEATURES));
        return new ScoredFeatures(new ScoreBatch(batch, imageSize, out.get(ScoringGraphBuilder.OUTPUT_IMAGE_SCORE).floats(),
                out.get(ScoringGraphBuilder.OUTPUT_ANOMALY_MAP).floats()),
                new FeatureBatch(batch, taps, tokens, embedDim, out.get(ScoringGraphBuilder.OUTPUT_PATCH_FEATURES).floats(),
                        out.get(ScoringGraphBuilder.OUTPUT_IMAGE_FEATURES).floats()));
    }

    /**
     * One run of the vision graph for the zero-shot score and map and the patch features, then the bank search in a
     * second (small) ONNX Runtime session on the features.
     */
    @Override
    public FewShotBatch scoreFewShot(float[] images, int batch, MemoryBank bank) {
        OrtFewShotHead h = head();
        Map<String, Tensor> out = run(images, batch, java.util.List.of(ScoringGraphBuilder.OUTPUT_IMAGE_SCORE, ScoringGraphBuilder.OUTPUT_ANOMALY_MAP,
                ScoringGraphBuilder.OUTPUT_PATCH_FEATURES));
        ScoreBatch zeroShot = new ScoreBatch(batch, imageSize, out.get(ScoringGraphBuilder.OUTPUT_IMAGE_SCORE).floats(),
                out.get(ScoringGraphBuilder.OUTPUT_ANOMALY_MAP).floats());
        FeatureBatch f = new FeatureBatch(batch, taps, tokens, embedDim, out.get(ScoringGraphBuilder.OUTPUT_PATCH_FEATURES).floats(), new float[batch * embedDim]);
        return new FewShotBatch(zeroShot, searchWith(h, f, bank));
    }

    @Override
    public ScoreBatch searchBank(FeatureBatch features, MemoryBank bank) {
        return searchWith(head(), features, bank);
    }

    @Override
    public boolean hasFewShotHead() {
        return true;
    }

    private ScoreBatch searchWith(OrtFewShotHead h, FeatureBatch features, MemoryBank bank) {
        lock.readLock().lock();
        try {
            if (closed) throw new EngineException(modelFile + ": engine is closed");
            return h.search(features, bank);
        } finally {
            lock.readLock().unlock();
        }
    }

    /** The bank search for this model: its resampling (σ, tap reduction) is read from the model's metadata. */
    private synchronized OrtFewShotHead head() {
        if (head != null) return head;
        lock.readLock().lock();
        try {
            if (closed) throw new EngineException(modelFile + ": engine is closed");
            Map<String, String> meta = session.getMetadata().getCustomMetadata();
            String sigma = meta.get(ScoringGraphBuilder.SIGMA_METADATA), reduction = meta.get(ScoringGraphBuilder.TAP_REDUCTION_METADATA);
            if (sigma == null || reduction == null) {
                throw new EngineException(modelFile + ": the model has no " + ScoringGraphBuilder.SIGMA_METADATA + " / "
                        + ScoringGraphBuilder.TAP_REDUCTION_METADATA + " metadata;"
                        + " export it again for few-shot scoring");
            }
            head = OrtFewShotHead.open(taps, tokens, embedDim, imageSize, Double.parseDouble(sigma),
                    AnomalyClipSettings.TapReduction.valueOf(reduction), intraOpThreads);
            return head;
        } catch (OrtException | IllegalArgumentException e) {
            throw new EngineException(modelFile + ": cannot read the model's scoring metadata: " + e.getMessage(), e);
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * Runs the model and returns the named outputs (any graph output, including the builder's debug outputs) as
     * float32 tensors, in the order asked.
     */
    public Map<String, Tensor> run(float[] images, int batch, Collection<String> outputs) {
        lock.readLock().lock();
        try {
            if (closed) throw new EngineException(modelFile + ": engine is closed");
            return runOpen(images, batch, outputs);
        } finally {
            lock.readLock().unlock();
        }
    }

    private Map<String, Tensor> runOpen(float[] images, int batch, Collection<String> outputs) {
        if (images == null) throw new EngineException("images must not be null");
        if (batch <= 0) throw new EngineException("batch must be >= 1, got " + batch);
        long expected = AnomalyEngine.inputLength(batch, imageSize);
        if (images.length != expected) {
            throw new EngineException("input of " + batch + " image(s) [" + batch + ", 3, " + imageSize + ", " + imageSize + "] needs "
                    + expected + " floats, got " + images.length);
        }
        Set<String> wanted = new LinkedHashSet<>(outputs);
        for (String name : wanted) {
            if (!session.getOutputNames().contains(name)) {
                throw new EngineException(modelFile + ": the model has no output '" + name + "' (outputs: " + session.getOutputNames() + ")");
            }
        }
        long[] shape = {batch, 3, imageSize, imageSize};
        try (OnnxTensor input = OnnxTensor.createTensor(env, FloatBuffer.wrap(images), shape);
             OrtSession.Result result = session.run(Map.of(ScoringGraphBuilder.INPUT_IMAGE, input), wanted)) {
            Map<String, Tensor> out = new LinkedHashMap<>();
            for (String name : wanted) {
                OnnxValue value = result.get(name).orElseThrow(() -> new EngineException(modelFile + ": output '" + name + "' was not produced"));
                if (!(value instanceof OnnxTensor t)) throw new EngineException(modelFile + ": output '" + name + "' is not a tensor");
                FloatBuffer fb = t.getFloatBuffer();
                float[] data = new float[fb.remaining()];
                fb.get(data);
                out.put(name, Tensor.ofFloats(t.getInfo().getShape(), data));
            }
            return out;
        } catch (OrtException e) {
            throw new EngineException(modelFile + ": inference on a batch of " + batch + " failed: " + e.getMessage(), e);
        }
    }

    /** Ends the profiling started by {@link #open(Path, int, Path)} and returns the trace file ONNX Runtime wrote. */
    public Path endProfiling() {
        lock.readLock().lock();
        try {
            if (closed) throw new EngineException(modelFile + ": engine is closed");
            return Path.of(session.endProfiling());
        } catch (OrtException e) {
            throw new EngineException(modelFile + ": cannot end profiling: " + e.getMessage(), e);
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            if (closed) return;
            closed = true;
            try {
                session.close();
            } finally {
                options.close();
            }
        } catch (OrtException e) {
            throw new EngineException(modelFile + ": cannot close the ONNX Runtime session: " + e.getMessage(), e);
        } finally {
            lock.writeLock().unlock();
            closeHead(); // after the write lock: a search holds the read lock, and head() takes this monitor first
        }
    }

    private synchronized void closeHead() {
        if (head != null) head.close();
        head = null;
    }

    private long[] tensorShape(String name, boolean input) {
        try {
            Map<String, NodeInfo> infos = input ? session.getInputInfo() : session.getOutputInfo();
            NodeInfo info = infos.get(name);
            if (info == null || !(info.getInfo() instanceof TensorInfo t)) {
                throw new EngineException(modelFile + ": not an AnomalyCLIP scoring model: no tensor " + (input ? "input" : "output")
                        + " '" + name + "' (has " + infos.keySet() + ")");
            }
            return t.getShape();
        } catch (OrtException e) {
            throw new EngineException(modelFile + ": cannot read the model's " + (input ? "inputs" : "outputs") + ": " + e.getMessage(), e);
        }
    }
}
