package dev.anomalyedge.engine;

import dev.anomalyedge.fewshot.MemoryBank;

/**
 * A few-shot bank search that runs beside an engine on its device (TensorRT's head plan on the GPU): the features an
 * engine run gave are searched against a memory bank there. It may hold only banks up to a size ({@link #fits});
 * the caller searches larger ones elsewhere. Owned by whoever opened it; {@link #close()} releases it.
 */
public interface BankSearch extends AutoCloseable {
    /** Where it runs, for logs: e.g. "tensorrt-gpu". */
    String backend();

    /** Whether {@code bank} fits this search (its model's shapes, at most its largest number of rows). */
    boolean fits(MemoryBank bank);

    /** Few-shot scores [B] and maps [B, S, S] of {@code features} against {@code bank}; throws {@link EngineException}. */
    AnomalyEngine.ScoreBatch search(AnomalyEngine.FeatureBatch features, MemoryBank bank);

    @Override
    void close();
}
