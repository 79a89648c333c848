package dev.anomalyedge.training;

import dev.anomalyedge.bundle.CalibrationRecord;

import dev.anomalyedge.evaluation.Evaluation;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.logging.Logger;

/**
 * Training jobs for the service: {@link #start} queues a {@link TrainRequest} and returns its id; one job runs at a
 * time on a worker thread (training uses every core), the others wait in order. {@link #status} reports the state,
 * the phase with its progress (epoch, step, loss, ETA) and, when finished, the bundle and its metrics;
 * {@link #cancel} stops a queued job at once and a running one at its next image or step (no bundle is written).
 *
 * <p>Thread-safe. {@link #close()} cancels everything and waits for the running job to stop.
 */
public final class TrainingJobs implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(TrainingJobs.class.getName());
    private static final int LOG_LINES = 200;

    public enum State { QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED;
        public boolean finished() { return this == SUCCEEDED || this == FAILED || this == CANCELLED; }
    }

    /**
     * A snapshot of one job.
     *
     * @param progress    the latest progress (null before the job starts)
     * @param bundleDir   the new bundle (SUCCEEDED only)
     * @param metrics     final metrics (SUCCEEDED only): "training" (in-sample, after), "training_before", and
     *                    "validation" when a validation set was given; each {@link Evaluation.Report#toMap()}
     * @param calibration the manifest's calibration record (SUCCEEDED with validation data only)
     * @param epochLosses mean loss of every finished epoch (SUCCEEDED only)
     * @param error       why it failed (FAILED) or "cancelled" (CANCELLED)
     * @param log         the last log lines
     */
    @com.fasterxml.jackson.databind.annotation.JsonNaming(com.fasterxml.jackson.databind.PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record JobStatus(String id, State state, TrainingProgress progress, String data, String out, Instant created,
                            Instant started, Instant finished, String bundleDir, Map<String, Object> metrics,
                            CalibrationRecord calibration, List<Double> epochLosses, String error, List<String> log) {}

    private final class Job {
        final String id = UUID.randomUUID().toString();
        final TrainRequest request;
        final Instant created = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        volatile State state = State.QUEUED;
        volatile boolean cancelRequested;
        volatile TrainingProgress progress;
        volatile Instant started, finished;
        volatile Training.Outcome outcome;
        volatile String error;
        final List<String> log = Collections.synchronizedList(new ArrayList<>());
        Future<?> future;

        Job(TrainRequest request) { this.request = request; }

        void log(String line) {
            synchronized (log) {
                log.add(line);
                if (log.size() > LOG_LINES) log.remove(0);
            }
        }

        JobStatus snapshot() {
            Training.Outcome o = outcome;
            Map<String, Object> metrics = null;
            CalibrationRecord calibration = null;
            List<Double> losses = null;
            String bundle = null;
            if (o != null) {
                metrics = new LinkedHashMap<>();
                if (o.after() != null) metrics.put("training", o.after().toMap());
                if (o.before() != null) metrics.put("training_before", o.before().toMap());
                if (o.validation() != null) metrics.put("validation", o.validation().toMap());
                calibration = o.bundle().manifest().calibration();
                losses = o.epochs().stream().map(PromptTrainer.EpochSummary::meanLoss).toList();
                bundle = o.bundle().dir().toString();
            }
            List<String> lines;
            synchronized (log) { lines = List.copyOf(log); }
            return new JobStatus(id, state, progress, request.data().toString(), request.out().toString(), created, started,
                    finished, bundle, metrics, calibration, losses, error, lines);
        }
    }

    private final Map<String, Job> jobs = Collections.synchronizedMap(new LinkedHashMap<>());
    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "training-jobs");
        t.setDaemon(true);
        return t;
    });
    private final Consumer<TrainingJobs.JobStatus> onFinish;

    public TrainingJobs() {
        this(s -> { });
    }

    /** @param onFinish called (on the worker thread) with the final status of every job that ends */
    public TrainingJobs(Consumer<JobStatus> onFinish) {
        this.onFinish = onFinish;
    }

    /** Queues a training run; returns its id. */
    public String start(TrainRequest request) {
        Job job = new Job(request);
        synchronized (jobs) {
            if (worker.isShutdown()) throw new IllegalStateException("training jobs are closed");
            jobs.put(job.id, job);
            job.future = worker.submit(() -> run(job));
        }
        return job.id;
    }

    public Optional<JobStatus> status(String id) {
        Job j = jobs.get(id);
        return j == null ? Optional.empty() : Optional.of(j.snapshot());
    }

    /** Every job, oldest first. */
    public List<JobStatus> list() {
        synchronized (jobs) {
            return jobs.values().stream().map(Job::snapshot).toList();
        }
    }

    /**
     * Asks a job to stop: a queued job is cancelled at once, a running one at its next image or step. Returns false
     * for an unknown or already finished job.
     */
    public boolean cancel(String id) {
        Job j = jobs.get(id);
        if (j == null) return false;
        synchronized (j) {
            if (j.state.finished()) return false;
            j.cancelRequested = true;
            if (j.state == State.QUEUED) {
                j.future.cancel(false);
                finish(j, State.CANCELLED, "cancelled");
            }
            return true;
        }
    }

    private void run(Job job) {
        synchronized (job) {
            if (job.cancelRequested || job.state != State.QUEUED) return;
            job.state = State.RUNNING;
            job.started = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        }
        job.log("started: data " + job.request.data() + ", out " + job.request.out());
        try {
            Training.Outcome o = Training.run(job.request, p -> job.progress = p, job::log, () -> job.cancelRequested);
            job.outcome = o;
            job.log(String.format(Locale.ROOT, "finished in %.1f s: %s", o.seconds(), o.bundle().dir()));
            finish(job, State.SUCCEEDED, null);
        } catch (CancellationException e) {
            job.log("cancelled");
            finish(job, State.CANCELLED, "cancelled");
        } catch (Exception | Error e) {
            String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            job.log("failed: " + m);
            LOG.warning("training job " + job.id + " failed: " + m);
            finish(job, State.FAILED, m);
            if (e instanceof Error err && !(e instanceof OutOfMemoryError)) throw err;
        }
    }

    private void finish(Job job, State state, String error) {
        synchronized (job) {
            if (job.state.finished()) return;
            job.error = error;
            job.finished = Instant.now().truncatedTo(ChronoUnit.MILLIS);
            job.state = state;
        }
        try {
            onFinish.accept(job.snapshot());
        } catch (RuntimeException e) {
            LOG.warning("training job listener failed: " + e.getMessage());
        }
    }

    /** Cancels every job and waits up to {@code timeoutSeconds} for the running one to stop. */
    public boolean close(long timeoutSeconds) throws InterruptedException {
        synchronized (jobs) {
            worker.shutdown();
            for (String id : new ArrayList<>(jobs.keySet())) cancel(id);
        }
        return worker.awaitTermination(timeoutSeconds, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        try {
            close(60);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
