package dev.anomalyedge.engine.select;

import dev.anomalyedge.engine.AnomalyEngine;
import dev.anomalyedge.engine.BankSearch;
import dev.anomalyedge.engine.EngineException;
import dev.anomalyedge.engine.ort.OrtFewShotHead;
import dev.anomalyedge.fewshot.MemoryBank;
import dev.anomalyedge.model.AnomalyClipSettings;
import org.jboss.logging.Logger;

/**
 * Few-shot scoring for an engine that has no bank search of its own (TensorRT): one run of the engine gives the
 * zero-shot scores, maps and patch features ({@link AnomalyEngine#scoreAndFeatures}), and the bank is searched
 * <ol>
 *   <li>on the engine's device when a {@link BankSearch} for it was opened (TensorRT's few-shot head plan on the GPU)
 *       and the bank fits it, else</li>
 *   <li>on the host in ONNX Runtime ({@link OrtFewShotHead}, the same graph the ONNX Runtime engine runs).</li>
 * </ol>
 * A device search that fails is not used again (logged once with the reason); the host search takes over, so a GPU
 * fault in the head costs speed, not results. Without this class {@code FewShotScorer} would run the vision tower twice
 * and search in Java loops.
 *
 * <p>Owns the wrapped engine, the device search and the host head (opened on first use): {@link #close()} closes all.
 */
public final class HostBankSearch implements AnomalyEngine {
    private static final Logger LOG = Logger.getLogger(HostBankSearch.class);

    private final AnomalyEngine engine;
    private final AnomalyClipSettings settings;
    private final int threads;
    private final BankSearch device; // null: none
    private OrtFewShotHead head;     // guarded by this
    private boolean deviceOff;       // guarded by this: the device search failed once
    private boolean closed;          // guarded by this

    private HostBankSearch(AnomalyEngine engine, AnomalyClipSettings settings, int threads, BankSearch device) {
        this.engine = engine;
        this.settings = settings;
        this.threads = threads;
        this.device = device;
    }

    /**
     * {@code engine} itself when it has a bank search, else {@code engine} with the host search added (its maps smoothed
     * with the model's σ and tap reduction, {@code threads} ONNX Runtime threads, 0 = one per core).
     */
    public static AnomalyEngine ifMissing(AnomalyEngine engine, AnomalyClipSettings settings, int threads) {
        return ifMissing(engine, settings, threads, null);
    }

    /**
     * As {@link #ifMissing(AnomalyEngine, AnomalyClipSettings, int)}, searching on {@code device} first for the banks it
     * fits ({@code null}: the host only). Takes ownership of {@code device} (closed here when it is not needed).
     */
    public static AnomalyEngine ifMissing(AnomalyEngine engine, AnomalyClipSettings settings, int threads, BankSearch device) {
        if (!engine.hasFewShotHead()) return new HostBankSearch(engine, settings, threads, device);
        if (device != null) device.close();
        return engine;
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
        return new FewShotBatch(r.scores(), searchBank(r.features(), bank));
    }

    @Override
    public ScoreBatch searchBank(FeatureBatch features, MemoryBank bank) {
        BankSearch d = deviceFor(bank);
        if (d != null) {
            try {
                return d.search(features, bank);
            } catch (RuntimeException e) {
                turnDeviceOff(e);
            }
        }
        return head(features).search(features, bank);
    }

    /** The device search when there is one, it has not failed and {@code bank} fits it; else null. */
    private synchronized BankSearch deviceFor(MemoryBank bank) {
        if (closed) throw new EngineException(engine.backend() + " engine is closed");
        return device != null && !deviceOff && device.fits(bank) ? device : null;
    }

    private synchronized void turnDeviceOff(RuntimeException e) {
        if (deviceOff) return;
        deviceOff = true;
        LOG.errorf(e, "the few-shot bank search on %s failed; banks are searched on the host from now on: %s", device.backend(), e.getMessage());
    }

    /** Where banks are searched, for logs: "on tensorrt-gpu (banks it fits), else on the host" or "on the host". */
    public synchronized String where() {
        return device != null && !deviceOff ? "on " + device.backend() + " (banks it fits), else on the host" : "on the host";
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
            try {
                if (device != null) device.close();
            } finally {
                engine.close();
            }
        }
    }
}
