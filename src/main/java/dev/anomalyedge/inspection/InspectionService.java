package dev.anomalyedge.inspection;

import dev.anomalyedge.image.ImageDecodeException;
import dev.anomalyedge.image.ImageDecoder;
import dev.anomalyedge.image.ImageTooLargeException;
import dev.anomalyedge.image.PillowImage;

import java.time.Duration;
import java.util.function.Function;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The service's inspection pipeline: decode and pre-process ({@link Preprocessing}) on the caller's thread (at most
 * {@link DecodeGate#slots()} at once), score in the batching worker, judge ({@link Assessment}), store and hand to the
 * sinks. A request that fails (bad image, busy decoders, full queue, no model, deadline) gets an ERROR result
 * ({@link ErrorCode}) that is stored and handed to the sinks like any other, and is thrown as an
 * {@link InspectionException} carrying it: every trigger is answered.
 *
 * <p>An image at least {@code 2·subsampleMinScale} times the model input on a side is subsampled while decoding
 * (see {@link Preprocessing}); {@code subsampleMinScale = 0} never subsamples.
 */
public final class InspectionService {

    /** Where finished results go besides the response (MQTT, metrics, the image archive). */
    public interface Sink {
        /**
         * @param input the image's bytes as received, or null when none were read (e.g. an upload over the limit); the
         *              sink must not change them
         */
        void accept(InspectionResult result, byte[] input);
    }

    private final ModelManager models;
    private final BatchingWorker worker;
    private final ResultStore store;
    private final ImageDecoder decoder;
    private final DecodeGate gate;
    private final int subsampleMinScale;
    private final Function<LoadedModel, Duration> deadline;
    private final Sink sink;

    /** A service with one fixed per-request deadline. */
    public InspectionService(ModelManager models, BatchingWorker worker, ResultStore store, ImageDecoder decoder,
                             DecodeGate gate, int subsampleMinScale, Duration deadline, Sink sink) {
        this(models, worker, store, decoder, gate, subsampleMinScale, m -> deadline, sink);
    }

    /** A service whose per-request deadline depends on the model that scores it (e.g. its measured latency). */
    public InspectionService(ModelManager models, BatchingWorker worker, ResultStore store, ImageDecoder decoder,
                             DecodeGate gate, int subsampleMinScale, Function<LoadedModel, Duration> deadline, Sink sink) {
        if (subsampleMinScale < 0) throw new IllegalArgumentException("subsample min scale must be >= 0 (0 = off), got " + subsampleMinScale);
        this.models = models;
        this.worker = worker;
        this.store = store;
        this.decoder = decoder;
        this.gate = gate;
        this.subsampleMinScale = subsampleMinScale;
        this.deadline = deadline;
        this.sink = sink;
    }

    public ResultStore store() { return store; }

    /** Scores one image; throws {@link InspectionException} with the failure kind. */
    public InspectionResult inspect(byte[] bytes, String source, String partId) {
        return await(submit(bytes, source, partId));
    }

    /** An image decoded and queued for scoring; {@link #await} finishes it on the caller's thread. */
    public static final class Pending {
        private final LoadedModel model;
        private final BatchingWorker.Job job;
        private final PillowImage resized;
        private final String source;
        private final String partId;
        private final long start;
        private final long decoded;
        /** The bytes as received, for the sink (they are not kept in the result). */
        private final byte[] input;

        private Pending(LoadedModel model, BatchingWorker.Job job, PillowImage resized, String source, String partId,
                        long start, long decoded, byte[] input) {
            this.input = input;
            this.model = model;
            this.job = job;
            this.resized = resized;
            this.source = source;
            this.partId = partId;
            this.start = start;
            this.decoded = decoded;
        }
    }

    /**
     * Decodes, pre-processes and queues one image; bad input and a full queue are thrown right away, as an
     * {@link InspectionException} that carries the ERROR result already stored and handed to the sink.
     */
    public Pending submit(byte[] bytes, String source, String partId) {
        long start = System.nanoTime();
        try {
            return queue(bytes, source, partId, start);
        } catch (InspectionException e) {
            throw failed(e, bytes, source, partId, start);
        }
    }

    /**
     * The answer for a trigger that could not be inspected, wherever it failed (also before the pipeline, e.g. an
     * upload over the limit): the ERROR result is built, stored and handed to the sink like any result, and the
     * returned exception carries it ({@link InspectionException#result()}). An exception that already carries its
     * result is returned as it is.
     */
    public InspectionException failed(InspectionException e, String source, String partId) {
        return failed(e, null, source, partId, System.nanoTime());
    }

    private InspectionException failed(InspectionException e, byte[] input, String source, String partId, long start) {
        if (e.result() != null) return e;
        LoadedModel m = models.current();
        InspectionResult r = InspectionResult.failed(partId, source, e.code(), e.getMessage(), m == null ? null : m.identity(),
                (System.nanoTime() - start) / 1e6);
        store.put(r);
        sink.accept(r, input);
        return e.withResult(r);
    }

    private Pending queue(byte[] bytes, String source, String partId, long start) {
        if (bytes == null || bytes.length == 0) {
            throw new InspectionException(InspectionException.Kind.BAD_REQUEST, "empty request body: send the image bytes");
        }
        LoadedModel model = models.acquire();
        if (model == null) throw new InspectionException(ErrorCode.NO_MODEL, "no model is loaded yet");
        boolean handedOver = false;
        try {
            Preprocessing.Input input = gate.run(source, () -> prepare(bytes, source, model.imageSize()));
            long decoded = System.nanoTime();
            BatchingWorker.Job job = new BatchingWorker.Job(model, input.tensor(), start + deadline.apply(model).toNanos());
            if (!worker.offer(job)) {
                throw new InspectionException(ErrorCode.QUEUE_FULL,
                        "inspection queue is full (" + worker.queued() + " waiting); retry shortly");
            }
            handedOver = true;
            return new Pending(model, job, input.resized(), source, partId, start, decoded, bytes);
        } finally {
            if (!handedOver) model.release();
        }
    }

    /** The model's input; the decoded image is garbage when this returns. */
    private Preprocessing.Input prepare(byte[] bytes, String source, int imageSize) {
        try {
            return new Preprocessing(imageSize, decoder, subsampleMinScale).prepare(bytes, source);
        } catch (ImageTooLargeException e) {
            throw new InspectionException(InspectionException.Kind.TOO_LARGE, e.getMessage(), e);
        } catch (ImageDecodeException e) {
            throw new InspectionException(InspectionException.Kind.UNPROCESSABLE, e.getMessage(), e);
        }
    }

    /**
     * Waits for a queued image until its deadline, then builds, stores and publishes the result. A request that misses
     * its deadline is cancelled (the engine never runs it, or its late score is dropped) and gets a deadline_exceeded
     * ERROR result instead.
     */
    public InspectionResult await(Pending p) {
        try {
            return finish(p);
        } catch (InspectionException e) {
            throw failed(e, p.input, p.source, p.partId, p.start);
        }
    }

    private InspectionResult finish(Pending p) {
        try {
            Duration limit = deadline.apply(p.model);
            long left = p.start + limit.toNanos() - System.nanoTime();
            BatchingWorker.Scored scored;
            try {
                scored = p.job.result().get(Math.max(left, 0), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                if (p.job.result().cancel(false)) {
                    throw new InspectionException(InspectionException.Kind.DEADLINE_EXCEEDED,
                            "no result within the " + limit.toMillis() + " ms deadline");
                }
                scored = p.job.result().join(); // completed just now
            }
            return finish(p.model, scored, p.source, p.partId, p.resized, p.start, p.decoded, p.input);
        } catch (ExecutionException | java.util.concurrent.CompletionException e) {
            throw wrap(e.getCause());
        } catch (java.util.concurrent.CancellationException e) {
            throw new InspectionException(InspectionException.Kind.DEADLINE_EXCEEDED, "request cancelled");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InspectionException(InspectionException.Kind.UNAVAILABLE, "interrupted");
        } finally {
            p.model.release();
        }
    }

    private static InspectionException wrap(Throwable t) {
        if (t instanceof InspectionException ie) return ie;
        if (t instanceof BatchingWorker.DeadlineExceededException) {
            return new InspectionException(InspectionException.Kind.DEADLINE_EXCEEDED, t.getMessage(), t);
        }
        if (t instanceof IllegalStateException) return new InspectionException(InspectionException.Kind.UNAVAILABLE, t.getMessage(), t);
        return new InspectionException(InspectionException.Kind.INTERNAL, "inference failed: " + t.getMessage(), t);
    }

    private InspectionResult finish(LoadedModel model, BatchingWorker.Scored scored, String source, String partId,
                                    PillowImage resized, long start, long decoded, byte[] input) {
        Assessment a = Assessment.of(scored.score(), scored.map(), scored.size(), model.calibration(), model.identity());
        long end = System.nanoTime();
        InspectionResult r = InspectionResult.inspected(UUID.randomUUID().toString(), Instant.now().toString(), partId, source, a,
                new InspectionResult.Timings((decoded - start) / 1e6, scored.queueNanos() / 1e6, scored.inferenceNanos() / 1e6,
                        (end - start) / 1e6, scored.batchSize()), resized);
        store.put(r);
        sink.accept(r, input);
        return r;
    }
}
