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
 * and up to {@code min(maxBatch, model.batchSize()) − 1} more (the model's batch size as its warm-up chose it,
 * {@link BatchSizing}) that arrive within {@code maxWait} for the same model, runs them as one batch and
 * completes each request's future. A full queue refuses new requests at once; a request whose deadline passed before
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

    /** One image for one model; {@code model} is referenced by the request until it completes. */
    public static final class Job {
        final LoadedModel model;
        final float[] image;
        final long enqueuedNanos;
        final long deadlineNanos;
        final CompletableFuture<Scored> result = new CompletableFuture<>();

        public Job(LoadedModel model, float[] image, long deadlineNanos) {
            this.model = model;
            this.image = image;
            this.enqueuedNanos = System.nanoTime();
            this.deadlineNanos = deadlineNanos;
        }

        public CompletableFuture<Scored> result() { return result; }
    }

    /** A scored image: score, smoothed map [S*S], batch it ran in and the times spent. */
    public record Scored(float score, float[] map, int size, int batchSize, long queueNanos, long inferenceNanos) {}

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
                long until = System.nanoTime() + maxWaitNanos;
                while (batch.size() < limit) {
                    long left = until - System.nanoTime();
                    Job next = left > 0 ? queue.poll(left, TimeUnit.NANOSECONDS) : queue.poll();
                    if (next == null) break;
                    if (next.model != first.model) {
                        carried = next;
                        break;
                    }
                    batch.add(next);
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
            score(model.engine(), live);
        } finally {
            model.release();
        }
    }

    private void score(AnomalyEngine engine, List<Job> live) {
        int s = engine.imageSize();
        float[] input = EngineBatches.pack(live.stream().map(j -> j.image).toList(), s);
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
