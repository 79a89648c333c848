package dev.anomalyedge.inspection;

import dev.anomalyedge.image.ImageDecodeException;
import dev.anomalyedge.image.ImageDecoder;
import dev.anomalyedge.image.ImageTooLargeException;
import dev.anomalyedge.image.PillowImage;

import java.time.Duration;
import java.util.function.Function;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
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
    private final Recipes recipes;

    /**
     * Finds the plan of a recipe by name. {@code name} null means "none asked for": the default recipe's plan, or null
     * for today's zero-shot path; an unknown name is an {@link InspectionException} with {@link ErrorCode#UNKNOWN_RECIPE}.
     */
    public interface Recipes {
        InspectionPlan plan(String name);

        /** No recipes: only the zero-shot path. */
        Recipes NONE = name -> {
            if (name == null) return null;
            throw new InspectionException(ErrorCode.UNKNOWN_RECIPE, "unknown recipe '" + name + "' (this appliance has no recipes)");
        };
    }

    /** A service with one fixed per-request deadline. */
    public InspectionService(ModelManager models, BatchingWorker worker, ResultStore store, ImageDecoder decoder,
                             DecodeGate gate, int subsampleMinScale, Duration deadline, Sink sink) {
        this(models, worker, store, decoder, gate, subsampleMinScale, m -> deadline, sink, Recipes.NONE);
    }

    /**
     * A service whose per-request deadline depends on the model that scores it (e.g. its measured latency); a recipe's
     * request with more tiles than one engine batch holds gets that deadline once per engine batch it needs.
     */
    public InspectionService(ModelManager models, BatchingWorker worker, ResultStore store, ImageDecoder decoder,
                             DecodeGate gate, int subsampleMinScale, Function<LoadedModel, Duration> deadline, Sink sink,
                             Recipes recipes) {
        this.recipes = recipes;
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

    /** Scores one image with recipe {@code recipe} (null: the default one, if any); as {@link #inspect(byte[], String, String)}. */
    public InspectionResult inspect(byte[] bytes, String source, String partId, String recipe) {
        return await(submit(bytes, source, partId, recipe));
    }

    /** An image decoded and queued for scoring; {@link #await} finishes it on the caller's thread. */
    public static final class Pending {
        private final LoadedModel model;
        private final BatchingWorker.Job job;
        private final PillowImage resized;
        private final InspectionPlan plan;
        private final InspectionPlan.Stitcher stitcher;
        private final String recipe;
        private final String source;
        private final String partId;
        private final long start;
        private final long decoded;
        /** The bytes as received, for the sink (they are not kept in the result). */
        private final byte[] input;

        private Pending(LoadedModel model, BatchingWorker.Job job, PillowImage resized, InspectionPlan plan,
                        InspectionPlan.Stitcher stitcher, String recipe, String source, String partId, long start, long decoded,
                        byte[] input) {
            this.plan = plan;
            this.stitcher = stitcher;
            this.recipe = recipe;
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
        return submit(bytes, source, partId, null);
    }

    /** As {@link #submit(byte[], String, String)} with recipe {@code recipe} (null: the default one, if any). */
    public Pending submit(byte[] bytes, String source, String partId, String recipe) {
        long start = System.nanoTime();
        String named = recipe;
        try {
            InspectionPlan plan = recipes.plan(recipe);
            named = plan == null ? null : plan.recipe();
            return queue(bytes, source, partId, plan, start);
        } catch (InspectionException e) {
            throw failed(e, bytes, source, partId, named, start);
        }
    }

    /**
     * The answer for a trigger that could not be inspected, wherever it failed (also before the pipeline, e.g. an
     * upload over the limit): the ERROR result is built, stored and handed to the sink like any result, and the
     * returned exception carries it ({@link InspectionException#result()}). An exception that already carries its
     * result is returned as it is.
     */
    public InspectionException failed(InspectionException e, String source, String partId) {
        return failed(e, null, source, partId, null, System.nanoTime());
    }

    private InspectionException failed(InspectionException e, byte[] input, String source, String partId, String recipe, long start) {
        if (e.result() != null) return e;
        LoadedModel m = models.current();
        InspectionResult r = InspectionResult.failed(partId, source, e.code(), e.getMessage(), m == null ? null : m.identity(), recipe,
                (System.nanoTime() - start) / 1e6);
        store.put(r);
        sink.accept(r, input);
        return e.withResult(r);
    }

    private Pending queue(byte[] bytes, String source, String partId, InspectionPlan plan, long start) {
        if (bytes == null || bytes.length == 0) {
            throw new InspectionException(InspectionException.Kind.BAD_REQUEST, "empty request body: send the image bytes");
        }
        LoadedModel model = models.acquire();
        if (model == null) throw new InspectionException(ErrorCode.NO_MODEL, "no model is loaded yet");
        boolean handedOver = false;
        try {
            BatchingWorker.Job job;
            Pending pending;
            if (plan == null) {
                Preprocessing.Input input = gate.run(source, () -> prepare(bytes, source, model.imageSize()));
                job = new BatchingWorker.Job(model, input.tensor(), start + deadline.apply(model).toNanos());
                pending = new Pending(model, job, input.resized(), null, null, null, source, partId, start, System.nanoTime(), bytes);
            } else {
                Tiled tiled = gate.run(source, () -> prepare(bytes, source, model.imageSize(), plan));
                job = new BatchingWorker.Job(model, tiled.tensors(), plan, start + deadline(model, tiled.tensors().size()).toNanos());
                pending = new Pending(model, job, tiled.first(), plan, tiled.stitcher(), plan.recipe(), source, partId, start,
                        System.nanoTime(), bytes);
            }
            if (!worker.offer(job)) {
                throw new InspectionException(ErrorCode.QUEUE_FULL,
                        "inspection queue is full (" + worker.queued() + " waiting); retry shortly");
            }
            handedOver = true;
            return pending;
        } finally {
            if (!handedOver) model.release();
        }
    }

    /** A recipe's tiles as the model's inputs, the first tile's S×S picture, and what stitches their maps. */
    private record Tiled(List<float[]> tensors, PillowImage first, InspectionPlan.Stitcher stitcher) {}

    /**
     * The recipe's tiles of an image as the model's inputs: decoded (at full resolution when the recipe has a region of
     * interest or tiles), cut by the plan, each tile prepared like a whole image; the tiles are garbage on return.
     */
    private Tiled prepare(byte[] bytes, String source, int imageSize, InspectionPlan plan) {
        try {
            int keep = plan.fullResolution() || subsampleMinScale == 0 ? Integer.MAX_VALUE
                    : (int) Math.min(Integer.MAX_VALUE, (long) subsampleMinScale * imageSize);
            PillowImage decoded = decoder.decode(bytes, source, keep, keep);
            InspectionPlan.Cut cut = plan.cut(decoded, source);
            Preprocessing preprocessing = new Preprocessing(imageSize, decoder, subsampleMinScale);
            List<float[]> tensors = new ArrayList<>(cut.tiles().size());
            PillowImage first = null;
            for (PillowImage tile : cut.tiles()) {
                Preprocessing.Input in = preprocessing.prepare(tile);
                if (first == null) first = in.resized();
                tensors.add(in.tensor());
            }
            return new Tiled(tensors, first, cut.stitcher());
        } catch (ImageTooLargeException e) {
            throw new InspectionException(InspectionException.Kind.TOO_LARGE, e.getMessage(), e);
        } catch (ImageDecodeException e) {
            throw new InspectionException(InspectionException.Kind.UNPROCESSABLE, e.getMessage(), e);
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
            throw failed(e, p.input, p.source, p.partId, p.recipe, p.start);
        }
    }

    /** The deadline of a request of {@code images} engine inputs: the model's deadline once per engine batch they need. */
    private Duration deadline(LoadedModel model, int images) {
        int perBatch = Math.max(1, Math.min(worker.maxBatch(), model.batchSize()));
        return deadline.apply(model).multipliedBy((images + perBatch - 1) / perBatch);
    }

    private InspectionResult finish(Pending p) {
        try {
            Duration limit = Duration.ofNanos(p.job.deadlineNanos - p.start);
            long left = p.job.deadlineNanos - System.nanoTime();
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
            return finish(p, scored);
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

    private InspectionResult finish(Pending p, BatchingWorker.Scored scored) {
        LoadedModel model = p.model;
        Assessment a;
        PillowImage base;
        if (p.plan == null) {
            a = Assessment.of(scored.score(), scored.map(), scored.size(), model.calibration(), model.identity());
            base = p.resized;
        } else {
            // a recipe: its own threshold (the model's is for zero-shot scores); no pixel threshold
            InspectionPlan.Stitched st = p.stitcher.stitch(scored.tiles(), p.resized, scored.size());
            a = Assessment.of(st.score(), st.map(), st.width(), st.height(), new Calibration(scored.threshold(), null), model.identity());
            base = st.base();
        }
        long end = System.nanoTime();
        InspectionResult r = InspectionResult.inspected(UUID.randomUUID().toString(), Instant.now().toString(), p.partId, p.source, a,
                p.recipe, new InspectionResult.Timings((p.decoded - p.start) / 1e6, scored.queueNanos() / 1e6,
                        scored.inferenceNanos() / 1e6, (end - p.start) / 1e6, scored.batchSize()), base);
        store.put(r);
        sink.accept(r, p.input);
        return r;
    }
}
