package dev.anomalyedge.inspection;

import dev.anomalyedge.engine.AnomalyEngine;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;

/**
 * Chooses, while a model warms up, how many images the batching worker gives its engine at once, and the per-request
 * deadline that follows from the measured latency. Batching pays only where the backend has idle parallelism (a GPU);
 * on a CPU whose cores one image already fills, a bigger batch costs more per image and more memory, so the batch
 * size is measured on the engine itself rather than assumed.
 *
 * <pre>
 * warm-up:   one untimed batch of 1 (weights paged in, kernels chosen, arenas grown)
 * L(n):      a batch of n run once untimed, then timed r times; L(n) = the fastest run   (r: as many as fit in
 *            {@link #MEASURE_BUDGET_SECONDS} of engine time, 1 to 3)
 * auto:      n = 1, then 2, 4, … up to max; n replaces the best so far when n / L(n) ≥ {@link #MIN_GAIN} × its
 *            images/s, and the search stops at the first n that does not pay (latency only grows beyond it)
 * fixed N:   batch size N (at most max), L(N) measured the same way
 * deadline = max(floor, deadlineBatches × L(chosen))    (deadlineBatches 0: the floor alone)
 * </pre>
 *
 * <p>The clock is injected so that the choice can be tested with a fake engine and a fake clock.
 */
public final class BatchSizing {
    /** A bigger batch must give at least this factor more images/s to be chosen (it always costs latency and memory). */
    public static final double MIN_GAIN = 1.10;
    /** Engine time the timed runs of one batch size may take before a single run has to do. */
    public static final double MEASURE_BUDGET_SECONDS = 2.0;
    /** Most timed runs per batch size. */
    public static final int MAX_RUNS = 3;
    /** The configuration's default deadline floor ({@code appliance.batching.deadline}). */
    public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(10);

    /**
     * What was measured and chosen for one model.
     *
     * @param batchSize     images per engine call the worker uses
     * @param auto          chosen by measurement (false: the configured fixed size)
     * @param secondsPerBatch fastest measured run by batch size, in the order measured
     * @param deadline      the per-request deadline that follows
     */
    public record Choice(int batchSize, boolean auto, Map<Integer, Double> secondsPerBatch, Duration deadline) {
        public Choice {
            secondsPerBatch = Collections.unmodifiableMap(new LinkedHashMap<>(secondsPerBatch));
            if (!secondsPerBatch.containsKey(batchSize) || !secondsPerBatch.containsKey(1)) {
                throw new IllegalArgumentException("the chosen batch size and batch 1 must be measured: " + secondsPerBatch);
            }
        }

        /** Latency of one batch of 1. */
        public double batch1Seconds() { return secondsPerBatch.get(1); }

        /** Latency of one batch of the chosen size. */
        public double batchSeconds() { return secondsPerBatch.get(batchSize); }

        /** Throughput at the chosen size. */
        public double imagesPerSecond() { return batchSize / batchSeconds(); }

        /** One line for logs and health data, e.g. "auto: batch 1 0.052 s (19.2 images/s), batch 2 0.120 s (16.7 images/s) → 1". */
        public String describe() {
            return (auto ? "auto: " : "fixed: ") + secondsPerBatch.entrySet().stream()
                    .map(e -> String.format(Locale.ROOT, "batch %d %.3f s (%.2f images/s)", e.getKey(), e.getValue(), e.getKey() / e.getValue()))
                    .collect(Collectors.joining(", ")) + " → " + batchSize;
        }
    }

    private final int fixedSize;          // 0 = auto
    private final int maxBatch;
    private final Duration deadlineFloor;
    private final double deadlineBatches;
    private final LongSupplier clock;

    /**
     * @param fixedSize       the batch size to use, or 0 to measure (auto)
     * @param maxBatch        upper bound of the batch size (the worker's {@code max-batch-size})
     * @param deadlineFloor   the deadline never goes below this
     * @param deadlineBatches the deadline covers this many batches of the chosen size (0: the floor alone)
     * @param clock           nanoseconds, as {@link System#nanoTime}
     */
    public BatchSizing(int fixedSize, int maxBatch, Duration deadlineFloor, double deadlineBatches, LongSupplier clock) {
        if (maxBatch < 1) throw new IllegalArgumentException("max batch size must be >= 1, got " + maxBatch);
        if (fixedSize < 0) throw new IllegalArgumentException("batch size must be auto or >= 1, got " + fixedSize);
        if (deadlineFloor == null || deadlineFloor.isNegative() || deadlineFloor.isZero()) {
            throw new IllegalArgumentException("the deadline must be > 0, got " + deadlineFloor);
        }
        if (!(deadlineBatches >= 0) || !Double.isFinite(deadlineBatches)) {
            throw new IllegalArgumentException("deadline batches must be >= 0, got " + deadlineBatches);
        }
        this.fixedSize = fixedSize;
        this.maxBatch = maxBatch;
        this.deadlineFloor = deadlineFloor;
        this.deadlineBatches = deadlineBatches;
        this.clock = clock;
    }

    /** A fixed batch size (measured for the record only), the default deadline floor, no latency allowance. */
    public static BatchSizing fixed(int batchSize) {
        return new BatchSizing(batchSize, batchSize, DEFAULT_DEADLINE, 0, System::nanoTime);
    }

    /**
     * Parses {@code appliance.batching.batch-size}: "auto" (any case) = 0, else a whole number ≥ 1.
     *
     * @throws IllegalArgumentException naming the setting for anything else
     */
    public static int parseSize(String value) {
        String v = value == null ? "auto" : value.trim();
        if (v.equalsIgnoreCase("auto")) return 0;
        try {
            int n = Integer.parseInt(v);
            if (n >= 1) return n;
        } catch (NumberFormatException e) {
            // the message below
        }
        throw new IllegalArgumentException("appliance.batching.batch-size must be auto or a whole number >= 1, found '" + value + "'");
    }

    /** Warms {@code engine} up and measures it; see the class comment. Engine failures propagate. */
    public Choice choose(AnomalyEngine engine) {
        run(engine, 1); // warm-up, untimed
        Map<Integer, Double> measured = new LinkedHashMap<>();
        measured.put(1, fastest(engine, 1));
        int chosen = 1;
        if (fixedSize > 0) {
            chosen = Math.min(fixedSize, maxBatch);
            if (chosen > 1) measured.put(chosen, warmAndTime(engine, chosen));
        } else {
            for (int n = 2; n <= maxBatch; n *= 2) {
                double seconds = warmAndTime(engine, n);
                measured.put(n, seconds);
                double best = chosen / measured.get(chosen);
                if (n / seconds < MIN_GAIN * best) break;
                chosen = n;
            }
        }
        return new Choice(chosen, fixedSize == 0, measured, deadline(measured.get(chosen)));
    }

    /** max(floor, deadlineBatches × batchSeconds), whole milliseconds. */
    Duration deadline(double batchSeconds) {
        Duration follows = Duration.ofMillis((long) Math.ceil(deadlineBatches * batchSeconds * 1000));
        return follows.compareTo(deadlineFloor) > 0 ? follows : deadlineFloor;
    }

    private double warmAndTime(AnomalyEngine engine, int n) {
        run(engine, n); // a new batch shape: first run untimed
        return fastest(engine, n);
    }

    /** The fastest of r timed runs of a batch of n; r from the first run's time and the budget. */
    private double fastest(AnomalyEngine engine, int n) {
        double best = timed(engine, n);
        int runs = (int) Math.min(MAX_RUNS, Math.max(1, Math.floor(MEASURE_BUDGET_SECONDS / Math.max(best, 1e-9))));
        for (int r = 1; r < runs; r++) best = Math.min(best, timed(engine, n));
        return best;
    }

    private double timed(AnomalyEngine engine, int n) {
        long t0 = clock.getAsLong();
        run(engine, n);
        return Math.max(clock.getAsLong() - t0, 1) / 1e9;
    }

    private static void run(AnomalyEngine engine, int n) {
        int s = engine.imageSize();
        engine.score(new float[Math.toIntExact(AnomalyEngine.inputLength(n, s))], n);
    }
}
