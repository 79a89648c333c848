package dev.anomalyedge.inspection;

import dev.anomalyedge.engine.AnomalyEngine;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.IntToDoubleFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The batch-size policy with a fake engine whose every call advances a fake clock by a chosen cost: no real time is
 * measured, so the choices are exact.
 */
class BatchSizingTest {
    /** A FakeEngine whose score() of a batch of n advances {@link #now} by cost(n) seconds (cost(n) in order of calls). */
    static final class Costly implements AnomalyEngine {
        final FakeEngine engine = new FakeEngine(4);
        final IntToDoubleFunction cost;
        final List<Double> extra = new ArrayList<>(); // added to the cost of the i-th call, when present
        long now;

        Costly(IntToDoubleFunction cost) { this.cost = cost; }

        @Override public int imageSize() { return engine.imageSize(); }
        @Override public String backend() { return "fake"; }

        @Override
        public ScoreBatch score(float[] images, int batch) {
            int call = engine.batches.size();
            double seconds = cost.applyAsDouble(batch) + (call < extra.size() ? extra.get(call) : 0);
            now += (long) (seconds * 1e9);
            return engine.score(images, batch);
        }

        @Override public FeatureBatch features(float[] images, int batch) { return engine.features(images, batch); }
        @Override public void close() { engine.close(); }
    }

    static BatchSizing auto(Costly e, int max) {
        return new BatchSizing(0, max, Duration.ofSeconds(10), 3, () -> e.now);
    }

    @Test
    void onACpuWhereBatchesCostMorePerImageItKeepsBatch1AndStopsSearching() {
        Costly cpu = new Costly(n -> 5.0 * n * 1.2);   // batch 2: 12 s for 2 images, worse than 5 s for 1 (1.2 × per image)
        cpu.extra.add(0, 1.0); // the untimed first call is slower still
        BatchSizing.Choice c = auto(cpu, 8).choose(cpu);
        assertEquals(1, c.batchSize());
        assertTrue(c.auto());
        assertEquals(Map.of(1, 6.0, 2, 12.0), c.secondsPerBatch());
        // warm-up 1, one timed 1 (6 s exceeds the 2 s budget), warm-up 2, one timed 2; never 4 or 8
        assertEquals(List.of(1, 1, 2, 2), cpu.engine.batches);
        assertEquals(Duration.ofSeconds(18), c.deadline(), "3 batches of 6 s, above the 10 s floor");
        assertEquals(1 / 6.0, c.imagesPerSecond(), 1e-12);
        assertTrue(c.describe().startsWith("auto: batch 1 6.000 s (0.17 images/s), batch 2 12.000 s"), c.describe());
        assertTrue(c.describe().endsWith("→ 1"), c.describe());
    }

    @Test
    void onAGpuWhereBatchesAreNearlyFreeItGrowsUpToTheMaximum() {
        Costly gpu = new Costly(n -> 0.5 + 0.01 * n);
        BatchSizing.Choice c = auto(gpu, 4).choose(gpu);
        assertEquals(4, c.batchSize());
        assertEquals(List.of(1, 2, 4), List.copyOf(c.secondsPerBatch().keySet()), "never above max-batch-size");
        assertEquals(0.54, c.batchSeconds(), 1e-9);
        assertEquals(0.51, c.batch1Seconds(), 1e-9);
        assertEquals(Duration.ofSeconds(10), c.deadline(), "3 × 0.54 s is under the floor");
    }

    @Test
    void aBiggerBatchMustPayAtLeastTenPercent() {
        Costly slightGain = new Costly(n -> n == 1 ? 1.0 : n / 1.05);   // batch 2: 5 % more images/s
        assertEquals(1, auto(slightGain, 4).choose(slightGain).batchSize());
        Costly gain = new Costly(n -> n == 1 ? 1.0 : n / 1.2);          // batch 2: 20 % more, batch 4 the same per image
        BatchSizing.Choice c = auto(gain, 8).choose(gain);
        assertEquals(2, c.batchSize(), "4 gives nothing over 2: " + c.describe());
        assertEquals(List.of(1, 2, 4), List.copyOf(c.secondsPerBatch().keySet()), "the search stops at the first size that does not pay");
    }

    @Test
    void fastEnginesAreTimedSeveralTimesAndTheFastestRunCounts() {
        Costly fast = new Costly(n -> 0.1 * n);
        // calls: warm 1, timed 1 ×3, warm 2, timed 2 ×3; the first timed run of each size is disturbed
        fast.extra.addAll(List.of(0.0, 0.5, 0.0, 0.0, 0.0, 0.4, 0.0, 0.0));
        BatchSizing.Choice c = new BatchSizing(0, 2, Duration.ofSeconds(1), 3, () -> fast.now).choose(fast);
        assertEquals(List.of(1, 1, 1, 1, 2, 2, 2, 2), fast.engine.batches);
        assertEquals(0.1, c.batch1Seconds(), 1e-9);
        assertEquals(0.2, c.secondsPerBatch().get(2), 1e-9);
        assertEquals(1, c.batchSize(), "the same images/s: the smaller batch");
        assertEquals(Duration.ofSeconds(1), c.deadline());
    }

    @Test
    void aFixedSizeIsUsedAsConfiguredUpToTheMaximumAndStillMeasured() {
        Costly cpu = new Costly(n -> 2.5 * n * 1.2);
        BatchSizing.Choice c = new BatchSizing(4, 8, Duration.ofSeconds(10), 2, () -> cpu.now).choose(cpu);
        assertEquals(4, c.batchSize(), "an explicit size wins over throughput");
        assertFalse(c.auto());
        assertEquals(Map.of(1, 3.0, 4, 12.0), c.secondsPerBatch());
        assertEquals(Duration.ofSeconds(24), c.deadline(), "2 batches of 12 s");
        Costly capped = new Costly(n -> 1.0);
        assertEquals(2, new BatchSizing(16, 2, Duration.ofSeconds(10), 0, () -> capped.now).choose(capped).batchSize());
    }

    @Test
    void withoutALatencyAllowanceTheDeadlineIsTheFloor() {
        Costly slow = new Costly(n -> 30.0 * n);
        BatchSizing.Choice c = new BatchSizing(0, 1, Duration.ofSeconds(10), 0, () -> slow.now).choose(slow);
        assertEquals(Duration.ofSeconds(10), c.deadline());
        assertEquals(List.of(1, 1), slow.engine.batches, "max-batch-size 1: nothing else is tried");
    }

    @Test
    void theSettingIsAutoOrAPositiveNumber() {
        assertEquals(0, BatchSizing.parseSize("auto"));
        assertEquals(0, BatchSizing.parseSize(" AUTO "));
        assertEquals(0, BatchSizing.parseSize(null));
        assertEquals(3, BatchSizing.parseSize(" 3 "));
        for (String bad : new String[] {"0", "-1", "x", "2.5", ""}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BatchSizing.parseSize(bad), bad);
            assertTrue(e.getMessage().contains("appliance.batching.batch-size"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> new BatchSizing(0, 0, Duration.ofSeconds(1), 1, System::nanoTime));
        assertThrows(IllegalArgumentException.class, () -> new BatchSizing(0, 4, Duration.ZERO, 1, System::nanoTime));
        assertThrows(IllegalArgumentException.class, () -> new BatchSizing(0, 4, Duration.ofSeconds(1), -1, System::nanoTime));
    }

    @Test
    void theWorkerUsesTheModelsChosenSizeBelowItsMaximum() throws Exception {
        Costly cpu = new Costly(n -> 1.0 * n * 1.5);
        LoadedModel m = new LoadedModel(TestBundles.demoBundle(), cpu);
        assertEquals(Integer.MAX_VALUE, m.batchSize(), "unmeasured: the worker's maximum applies");
        m.warmUp(auto(cpu, 4));
        assertEquals(1, m.batchSize());
        cpu.engine.batches.clear();
        cpu.engine.gate = new CountDownLatch(1);
        cpu.engine.entered = new CountDownLatch(1);
        try (BatchingWorker w = new BatchingWorker(4, Duration.ofMillis(50), 8, new BatchingWorkerTest.Counting())) {
            List<BatchingWorker.Job> jobs = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                BatchingWorker.Job j = new BatchingWorker.Job(m, BatchingWorkerTest.image(4, i), System.nanoTime() + 10_000_000_000L);
                assertTrue(w.offer(j));
                jobs.add(j);
            }
            assertTrue(cpu.engine.entered.await(10, TimeUnit.SECONDS));
            cpu.engine.gate.countDown();
            for (int i = 0; i < 3; i++) assertEquals(i, jobs.get(i).result().get(10, TimeUnit.SECONDS).score(), 0);
        }
        assertEquals(List.of(1, 1, 1), cpu.engine.batches, "three queued requests, one engine call each");
    }
}
