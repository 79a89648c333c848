package dev.anomalyedge.inspection;

import dev.anomalyedge.engine.AnomalyEngine;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Dynamic batching: requests wait in a bounded queue for one inference thread, which takes the first waiting request
 * and more that arrive within {@code maxWait} for the same model and recipe, up to {@code min(maxBatch, model.batchSize())}
 * images (the model's batch size as its warm-up chose it, {@link BatchSizing}; a recipe's request brings all its tiles, and
 * one with more tiles than that runs alone, in engine calls of that size), runs them as one batch and completes each
 * request's future. A full queue refuses new requests at once; a request whose deadline passed before
 * its batch ran is completed with {@link DeadlineExceededException} without running.
 */
public final class BatchingWorker implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(BatchingWorker.class);

    /** Timing and batch observations, for metrics. */
    public interface Listener {
        void batch(int size, long inferenceNanos);

        void queued(long queueNanos);

        void expired();
    }

    /**
     * One image for one model; {@code model} is referenced by the request until it completes. With a recipe the image
     * is several tiles, all scored in the same batch, by the recipe's {@link InspectionPlan}.
     */
    public static final class Job {
        final LoadedModel model;
        final List<float[]> tiles;
        final InspectionPlan plan;
        final long enqueuedNanos;
        final long deadlineNanos;
        final CompletableFuture<Scored> result = new CompletableFuture<>();

        public Job(LoadedModel model, float[] image, long deadlineNanos) {
            this(model, List.of(image), null, deadlineNanos);
        }

        /** @param plan null = today's zero-shot path */
        public Job(LoadedModel model, List<float[]> tiles, InspectionPlan plan, long deadlineNanos) {
            if (tiles.isEmpty()) throw new IllegalArgumentException("a job needs at least one image");
            this.model = model;
            this.tiles = List.copyOf(tiles);
            this.plan = plan;
            this.enqueuedNanos = System.nanoTime();
            this.deadlineNanos = deadlineNanos;
        }

        private Object batchKey() { return plan == null ? null : plan.batchKey(); }

        public CompletableFuture<Scored> result() { return result; }
    }

    /**
     * A scored image: score and smoothed map [S*S] of its first tile, every tile's (one without a recipe), the batch it
     * ran in (in images), the times spent, and the recipe's threshold (null without one, or uncalibrated).
     */
    public record Scored(float score, float[] map, int size, int batchSize, long queueNanos, long inferenceNanos,
                         List<EngineBatches.Scored> tiles, Double threshold) {
        public Scored(float score, float[] map, int size, int batchSize, long queueNanos, long inferenceNanos) {
            this(score, map, size, batchSize, queueNanos, inferenceNanos, List.of(new EngineBatches.Scored(score, map)), null);
        }
    }

    private final BlockingQueue<Job> queue;
    private final int maxBatch;
    private final long maxWaitNanos;
    private final Listener listener;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile long busySince; // System.nanoTime() when the running batch started, 0 while idle
    private Job carried; // first job of the next batch (a different model than the batch being formed)

    public BatchingWorker(int maxBatch, Duration maxWait, int capacity, Listener listener) {
        if (maxBatch < 1 || capacity < 1) throw new IllegalArgumentException("batch size and queue capacity must be >= 1");
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.maxBatch = maxBatch;
        this.maxWaitNanos = maxWait.toNanos();
        this.listener = listener;
        this.thread = new Thread(this::loop, "inference-worker");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** Queues a job; false when the queue is full (the caller answers 503). */
    public boolean offer(Job job) {
        return running && queue.offer(job);
    }

    public int queued() { return queue.size(); }

    public int maxBatch() { return maxBatch; }

    private void loop() {
        while (running) {
            try {
                Job first = carried != null ? carried : queue.poll(200, TimeUnit.MILLISECONDS);
                carried = null;
                if (first == null) continue;
                int limit = Math.min(maxBatch, first.model.batchSize()); // the model's measured choice, at most maxBatch
                List<Job> batch = new ArrayList<>(limit);
                batch.add(first);
                int images = first.tiles.size();
                long until = System.nanoTime() + maxWaitNanos;
                while (images < limit) {
                    long left = until - System.nanoTime();
                    Job next = left > 0 ? queue.poll(left, TimeUnit.NANOSECONDS) : queue.poll();
                    if (next == null) break;
                    if (next.model != first.model || !java.util.Objects.equals(next.batchKey(), first.batchKey())
                            || images + next.tiles.size() > limit) {
                        carried = next;
                        break;
                    }
                    batch.add(next);
                    images += next.tiles.size();
                }
                run(batch);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException | Error e) { // run() answered its jobs; this is the batch forming itself failing
                LOG.error("inference worker error", e);
            }
        }
    }

    /**
     * Whether the worker can still answer: its thread runs and no batch has been running for longer than
     * {@code stuckAfter} (a native call that never returns). Empty when healthy, else the reason.
     */
    public java.util.Optional<String> unhealthy(Duration stuckAfter) {
        if (!thread.isAlive()) return java.util.Optional.of(running ? "the inference worker thread has died" : "the inference worker is stopped");
        long since = busySince;
        if (since != 0) {
            long busy = System.nanoTime() - since;
            if (busy > stuckAfter.toNanos()) {
                return java.util.Optional.of("one inference batch has been running for " + busy / 1_000_000_000L + " s (limit "
                        + stuckAfter.toSeconds() + " s)");
            }
        }
        return java.util.Optional.empty();
    }

    /** Runs one batch and answers every job in it, whatever fails (an Error included). */
    private void run(List<Job> jobs) {
        busySince = Math.max(1, System.nanoTime());
        try {
            runBatch(jobs);
        } catch (RuntimeException | Error e) {
            LOG.error("inference batch failed", e);
            RuntimeException answer = e instanceof RuntimeException r ? r : new RuntimeException(e.toString(), e); // 500, not 503
            for (Job j : jobs) j.result.completeExceptionally(answer);
        } finally {
            busySince = 0;
        }
    }

    private void runBatch(List<Job> jobs) {
        long now = System.nanoTime();
        List<Job> live = new ArrayList<>(jobs.size());
        for (Job j : jobs) {
            if (j.result.isDone()) continue; // cancelled by its caller
            if (now > j.deadlineNanos) {
                listener.expired();
                j.result.completeExceptionally(new DeadlineExceededException("deadline passed after "
                        + (now - j.enqueuedNanos) / 1_000_000 + " ms in the queue"));
            } else {
                live.add(j);
            }
        }
        if (live.isEmpty()) return;
        // the worker holds its own reference while the engine runs: a request that gives up (deadline) releases its
        // reference, and a swap or shutdown must not close a native session that is still running
        LoadedModel model = live.get(0).model;
        if (!model.acquire()) throw new IllegalStateException("model " + model.name() + "/" + model.version() + " was closed");
        try {
            model.withEngine(engine -> {
                score(model, engine, live);
                return null;
            });
        } finally {
            model.release();
        }
    }

    private void score(LoadedModel model, AnomalyEngine engine, List<Job> live) {
        int s = engine.imageSize();
        InspectionPlan plan = live.get(0).plan;
        if (plan == null && live.stream().allMatch(j -> j.tiles.size() == 1)) {
            float[] input = EngineBatches.pack(live.stream().map(j -> j.tiles.get(0)).toList(), s);
            long t0 = System.nanoTime();
            AnomalyEngine.ScoreBatch out = engine.score(input, live.size()); // a failure answers every job (run)
            long inference = System.nanoTime() - t0;
            listener.batch(live.size(), inference);
            for (int i = 0; i < live.size(); i++) {
                Job j = live.get(i);
                long queueNanos = t0 - j.enqueuedNanos;
                listener.queued(queueNanos);
                j.result.complete(new Scored(out.score(i), out.map(i), s, live.size(), queueNanos, inference));
            }
            return;
        }
        // a recipe: every tile of every job, scored by the plan (against its bank for this model), in engine calls of the
        // model's batch size
        int calls = Math.min(maxBatch, model.batchSize());
        List<float[]> tiles = new ArrayList<>();
        for (Job j : live) tiles.addAll(j.tiles);
        long t0 = System.nanoTime();
        InspectionPlan.Scoring out = plan != null ? plan.score(model, tiles, calls)
                : new InspectionPlan.Scoring(EngineBatches.score(engine, tiles, calls), null);
        if (out.tiles().size() != tiles.size()) throw new IllegalStateException(out.tiles().size() + " scores for " + tiles.size() + " tiles");
        long inference = System.nanoTime() - t0;
        listener.batch(tiles.size(), inference);
        int from = 0;
        for (Job j : live) {
            List<EngineBatches.Scored> mine = List.copyOf(out.tiles().subList(from, from + j.tiles.size()));
            from += j.tiles.size();
            long queueNanos = t0 - j.enqueuedNanos;
            listener.queued(queueNanos);
            j.result.complete(new Scored(mine.get(0).score(), mine.get(0).map(), s, tiles.size(), queueNanos, inference, mine,
                    out.threshold()));
        }
    }

    /** Stops taking work; queued jobs are completed exceptionally. */
    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        List<Job> left = new ArrayList<>();
        queue.drainTo(left);
        if (carried != null) left.add(carried);
        for (Job j : left) j.result.completeExceptionally(new IllegalStateException("the appliance is shutting down"));
    }

    public static final class DeadlineExceededException extends RuntimeException {
        public DeadlineExceededException(String message) { super(message); }
    }
}
