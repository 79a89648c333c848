package dev.anomalyedge.engine.select;

import dev.anomalyedge.engine.AnomalyEngine;
import dev.anomalyedge.engine.EngineException;
import dev.anomalyedge.engine.ort.OrtFewShotHead;
import dev.anomalyedge.fewshot.MemoryBank;
import dev.anomalyedge.model.AnomalyClipSettings;

/**
 * Few-shot scoring for an engine that has no bank search of its own (TensorRT today): one run of the engine gives the
 * zero-shot scores, maps and patch features ({@link AnomalyEngine#scoreAndFeatures}), and the bank search runs on the
 * host in ONNX Runtime ({@link OrtFewShotHead}, the same graph the ONNX Runtime engine runs). Without it,
 * {@code FewShotScorer} would run the vision tower twice and search in Java loops.
 *
 * <p>Owns the wrapped engine and the head (opened on first use): {@link #close()} closes both.
 */
public final class HostBankSearch implements AnomalyEngine {
    private final AnomalyEngine engine;
    private final AnomalyClipSettings settings;
    private final int threads;
    private OrtFewShotHead head; // guarded by this
    private boolean closed;      // guarded by this

    private HostBankSearch(AnomalyEngine engine, AnomalyClipSettings settings, int threads) {
        this.engine = engine;
        this.settings = settings;
        this.threads = threads;
    }

    /**
     * {@code engine} itself when it has a bank search, else {@code engine} with the host search added (its maps smoothed
     * with the model's σ and tap reduction, {@code threads} ONNX Runtime threads, 0 = one per core).
     */
    public static AnomalyEngine ifMissing(AnomalyEngine engine, AnomalyClipSettings settings, int threads) {
        return engine.hasFewShotHead() ? engine : new HostBankSearch(engine, settings, threads);
    }

    @Override public int imageSize() { return engine.imageSize(); }
    @Override public String backend() { return engine.backend(); }
    @Override public ScoreBatch score(float[] images, int batch) { return engine.score(images, batch); }
    @Override public FeatureBatch features(float[] images, int batch) { return engine.features(images, batch); }
    @Override public ScoredFeatures scoreAndFeatures(float[] images, int batch) { return engine.scoreAndFeatures(images, batch); }
    @Override public boolean hasFewShotHead() { return true; }

    @Override
    public FewShotBatch scoreFewShot(float[] images, int batch, MemoryBank bank) {
        ScoredFeatures r = engine.scoreAndFeatures(images, batch);
        return new FewShotBatch(r.scores(), head(r.features()).search(r.features(), bank));
    }

    @Override
    public ScoreBatch searchBank(FeatureBatch features, MemoryBank bank) {
        return head(features).search(features, bank);
    }

    /** The head, opened on first use for the engine's feature shape [K, B, T, E] (the head checks later batches' shapes). */
    private synchronized OrtFewShotHead head(FeatureBatch f) {
        if (closed) throw new EngineException(engine.backend() + " engine is closed");
        if (head == null) {
            head = OrtFewShotHead.open(f.taps(), f.tokens(), f.embedDim(), engine.imageSize(), settings.sigma(), settings.tapReduction(),
                    threads > 0 ? threads : Runtime.getRuntime().availableProcessors());
        }
        return head;
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        try {
            if (head != null) head.close();
        } finally {
            engine.close();
        }
    }
}
