package dev.anomalyedge.inspection;

import dev.anomalyedge.bundle.ModelBundle;
import dev.anomalyedge.engine.AnomalyEngine;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A bundle with its open engine. Reference-counted: the manager holds one reference while it is active and every
 * request in flight holds one, so a swapped-out model is closed only after its last request finished.
 */
public final class LoadedModel {
    private final ModelBundle bundle;
    private final AnomalyEngine engine;
    private final Calibration calibration;
    private final AtomicInteger refs = new AtomicInteger(1);
    private final String name;
    private final String version;
    private volatile BatchSizing.Choice sizing; // set once by the warm-up, before the model serves
    /** Held while a thread uses the engine: the inference worker, and recipe bank builds (engines are not thread-safe). */
    private final Object engineLock = new Object();

    /** A model known by its bundle manifest's name and version. */
    public LoadedModel(ModelBundle bundle, AnomalyEngine engine) {
        this(bundle, engine, bundle.name(), bundle.version());
    }

    /** A model known by its place in the repository ({@code <name>/<version>}), which wins over the manifest. */
    public LoadedModel(ModelBundle bundle, AnomalyEngine engine, String name, String version) {
        this.name = name;
        this.version = version;
        this.bundle = bundle;
        this.engine = engine;
        this.calibration = Calibration.fromManifest(bundle.manifest().calibration());
    }

    public ModelBundle bundle() { return bundle; }

    public AnomalyEngine engine() { return engine; }

    public Calibration calibration() { return calibration; }

    /** The model as named in results: repository name and version, backend, demo flag. */
    public InspectionResult.Model identity() {
        return new InspectionResult.Model(name, version, engine.backend(), bundle.manifest().demo());
    }

    public String name() { return name; }

    /**
     * Runs {@code work} with this model's engine, one thread at a time: the inference worker's batches and recipe bank
     * builds share one engine (TensorRT's execution context is not thread-safe). Take it before any other lock.
     */
    public <T> T withEngine(java.util.function.Function<AnomalyEngine, T> work) {
        synchronized (engineLock) {
            return work.apply(engine);
        }
    }

    /**
     * This model's engine for long jobs (a recipe's bank build: k images, each possibly tiled, plus leave-one-out
     * scoring): each call takes the engine as {@link #withEngine} does and gives it back when it returns, so the
     * inference worker's batches run between the job's batches instead of waiting for the whole job. Not owned: its
     * {@code close()} does nothing (the model closes its engine).
     */
    public AnomalyEngine sharedEngine() {
        return new SharedEngine();
    }

    /** {@link #sharedEngine()}: every call under the engine lock. */
    private final class SharedEngine implements AnomalyEngine {
        @Override public int imageSize() { return engine.imageSize(); }
        @Override public String backend() { return engine.backend(); }
        @Override public ScoreBatch score(float[] images, int batch) { return withEngine(e -> e.score(images, batch)); }
        @Override public FeatureBatch features(float[] images, int batch) { return withEngine(e -> e.features(images, batch)); }
        @Override public ScoredFeatures scoreAndFeatures(float[] images, int batch) { return withEngine(e -> e.scoreAndFeatures(images, batch)); }
        @Override public FewShotBatch scoreFewShot(float[] images, int batch, dev.anomalyedge.fewshot.MemoryBank bank) {
            return withEngine(e -> e.scoreFewShot(images, batch, bank));
        }
        @Override public ScoreBatch searchBank(FeatureBatch features, dev.anomalyedge.fewshot.MemoryBank bank) {
            return withEngine(e -> e.searchBank(features, bank));
        }
        @Override public boolean hasFewShotHead() { return engine.hasFewShotHead(); }
        @Override public void close() { } // the model owns the engine
    }

    public String version() { return version; }

    public int imageSize() { return engine.imageSize(); }

    /** Takes a reference; false if the model is already closed (the caller must then use the current model). */
    public boolean acquire() {
        while (true) {
            int r = refs.get();
            if (r <= 0) return false;
            if (refs.compareAndSet(r, r + 1)) return true;
        }
    }

    /** Drops a reference; the last one closes the engine. */
    public void release() {
        if (refs.decrementAndGet() == 0) engine.close();
    }

    /** What the warm-up measured and chose (batch size, latencies, deadline), or null when it was not measured. */
    public BatchSizing.Choice sizing() { return sizing; }

    /** Images per engine call for this model: the warm-up's choice, unbounded (the worker's maximum) when unmeasured. */
    public int batchSize() {
        BatchSizing.Choice c = sizing;
        return c == null ? Integer.MAX_VALUE : c.batchSize();
    }

    /** Warms the engine up with {@code policy} and keeps its choice. */
    public BatchSizing.Choice warmUp(BatchSizing policy) {
        sizing = policy.choose(engine);
        return sizing;
    }

    /** Runs one batch of the model's size to load weights and JIT paths before the model is reported ready. */
    public void warmUp(int batch) {
        int s = engine.imageSize();
        engine.score(new float[batch * 3 * s * s], batch);
    }
}
