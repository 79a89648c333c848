package dev.anomalyedge.engine.trt;

import dev.anomalyedge.engine.AnomalyEngine;
import dev.anomalyedge.engine.EngineException;
import dev.anomalyedge.graph.ScoringGraphBuilder;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.tensorrt.global.nvinfer.DataType;
import org.bytedeco.tensorrt.global.nvinfer.OptProfileSelector;
import org.bytedeco.tensorrt.global.nvinfer.TensorIOMode;
import org.bytedeco.tensorrt.nvinfer.Dims64;
import org.bytedeco.tensorrt.nvinfer.ICudaEngine;
import org.bytedeco.tensorrt.nvinfer.IExecutionContext;
import org.bytedeco.tensorrt.nvinfer.IRuntime;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.locks.ReentrantReadWriteLock;

import static org.bytedeco.cuda.global.cudart.cudaMemcpyAsync;
import static org.bytedeco.cuda.global.cudart.cudaMemcpyDeviceToHost;
import static org.bytedeco.cuda.global.cudart.cudaMemcpyHostToDevice;
import static org.bytedeco.cuda.global.cudart.cudaStreamSynchronize;
import static org.bytedeco.tensorrt.global.nvinfer.createInferRuntime;

/**
 * TensorRT engine over a plan built by {@link TrtPlanBuilder}, behind the same {@link AnomalyEngine} interface as
 * ONNX Runtime.
 *
 * <p>Native layout: one runtime and deserialised engine; per worker one execution context, one CUDA stream, a device
 * buffer and a pinned host buffer per I/O tensor sized for the max batch, with the tensors' addresses set once
 * ({@code setTensorAddress}). A call takes an idle worker, sets the input shape for its batch, copies the images in,
 * {@code enqueueV3}, copies back only the outputs it needs, and synchronises the stream. Batches above the max batch
 * run in chunks. Every CUDA and TensorRT status is checked and named. One {@link NativeStack} owns everything and
 * releases it in reverse order, also when construction fails half way; {@link #close()} waits for running calls.
 */
public final class TrtAnomalyEngine implements AnomalyEngine {
    /** One I/O tensor: shape with -1 on the batch axis, floats per image, and the blocks around the batch axis. */
    record Io(String name, boolean input, long[] shape, int batchAxis, long perImage, long outer, long inner) {}

    private final Path planFile;
    private final NativeStack natives;
    private final TrtLogger logger;
    private final Map<String, Io> io;
    private final int maxBatch, imageSize, taps, tokens, embedDim;
    private final BlockingQueue<Worker> idle;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock(); // read: a run, write: close
    private boolean closed;

    private TrtAnomalyEngine(Path planFile, NativeStack natives, TrtLogger logger, Map<String, Io> io, int maxBatch, List<Worker> workers) {
        this.planFile = planFile;
        this.natives = natives;
        this.logger = logger;
        this.io = io;
        this.maxBatch = maxBatch;
        long[] in = io.get(ScoringGraphBuilder.INPUT_IMAGE).shape();
        long[] pf = io.get(ScoringGraphBuilder.OUTPUT_PATCH_FEATURES).shape();
        this.imageSize = (int) in[2];
        this.taps = (int) pf[0];
        this.tokens = (int) pf[2];
        this.embedDim = (int) pf[3];
        this.idle = new ArrayBlockingQueue<>(workers.size(), false, workers);
    }

    /**
     * Deserialises {@code planFile} and prepares {@code workers} execution contexts.
     *
     * @param maxBatch the largest batch a worker runs at once (device buffers are sized for it); at most the plan's
     *                 profile max; 0 for the plan's max
     * @param workers  concurrent execution contexts (each with its own stream and buffers)
     */
    public static TrtAnomalyEngine open(Path planFile, int maxBatch, int workers) {
        if (workers < 1) throw new EngineException("TensorRT workers must be >= 1, got " + workers);
        if (maxBatch < 0) throw new EngineException("max batch must be >= 0 (0: the plan's), got " + maxBatch);
        if (!Files.isRegularFile(planFile)) throw new EngineException(planFile + ": TensorRT plan file not found");
        TrtNatives.require();
        return openLoaded(planFile, maxBatch, workers);
    }

    /** {@link #open} once the TensorRT natives are loaded (tests load them from stand-in libraries). */
    static TrtAnomalyEngine openLoaded(Path planFile, int maxBatch, int workers) {
        NativeStack natives = new NativeStack("TensorRT engine " + planFile.getFileName());
        try {
            TrtLogger logger = TrtLogger.shared(); // process-wide, never closed
            logger.clearErrors();
            IRuntime runtime = natives.own("createInferRuntime", createInferRuntime(logger), logger.lastErrors());
            ICudaEngine engine = deserialize(runtime, planFile, logger, natives);
            Map<String, Io> io = describe(engine, planFile);
            int planMax = profileMaxBatch(engine, natives);
            int batch = maxBatch == 0 ? planMax : maxBatch;
            if (batch > planMax) {
                throw new EngineException(planFile + ": max batch " + batch + " asked, but the plan's profile only goes up to " + planMax
                        + "; rebuild it with a larger --max-batch");
            }
            List<Worker> ws = new ArrayList<>();
            for (int i = 0; i < workers; i++) {
                Worker w = new Worker(planFile.getFileName() + " worker " + i, engine, io, batch, logger);
                natives.push("worker " + i, w::close);
                ws.add(w);
            }
            return new TrtAnomalyEngine(planFile, natives, logger, io, batch, ws);
        } catch (RuntimeException | Error e) {
            natives.closeAfter(e);
            throw e;
        }
    }

    static ICudaEngine deserialize(IRuntime runtime, Path planFile, TrtLogger logger, NativeStack natives) {
        try (FileChannel ch = FileChannel.open(planFile)) {
            long size = ch.size();
            if (size == 0 || size > Integer.MAX_VALUE) throw new EngineException(planFile + ": plan size " + size + " bytes is not plausible");
            MappedByteBuffer mapped = ch.map(FileChannel.MapMode.READ_ONLY, 0, size);
            try (BytePointer bytes = new BytePointer(mapped)) { // no copy: the mapped pages, read while deserialising
                return natives.own("IRuntime.deserializeCudaEngine(" + planFile.getFileName() + ")",
                        runtime.deserializeCudaEngine(bytes, size),
                        logger.lastErrors() + " (a plan only runs on the TensorRT version and GPU it was built with: rebuild it)");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read TensorRT plan " + planFile, e);
        }
    }

    /** The plan's I/O tensors, checked against the AnomalyCLIP scoring model's names, types and shapes. */
    private static Map<String, Io> describe(ICudaEngine engine, Path planFile) {
        Map<String, Io> io = new LinkedHashMap<>();
        int n = engine.getNbIOTensors();
        for (int i = 0; i < n; i++) {
            String name = engine.getIOTensorName(i);
            boolean input = engine.getTensorIOMode(name).intern() == TensorIOMode.kINPUT;
            DataType type = engine.getTensorDataType(name).intern();
            if (type != DataType.kFLOAT) {
                throw new EngineException(planFile + ": tensor '" + name + "' is " + type + ", expected kFLOAT (float32 I/O)");
            }
            long[] shape;
            try (Dims64 d = engine.getTensorShape(name)) {
                shape = TrtPlanBuilder.dims(d);
            }
            io.put(name, io(planFile, name, input, shape));
        }
        expect(io, planFile, ScoringGraphBuilder.INPUT_IMAGE, true, 4, 0);
        expect(io, planFile, ScoringGraphBuilder.OUTPUT_IMAGE_SCORE, false, 1, 0);
        expect(io, planFile, ScoringGraphBuilder.OUTPUT_ANOMALY_MAP, false, 3, 0);
        expect(io, planFile, ScoringGraphBuilder.OUTPUT_PATCH_FEATURES, false, 4, 1);
        expect(io, planFile, ScoringGraphBuilder.OUTPUT_IMAGE_FEATURES, false, 2, 0);
        long[] in = io.get(ScoringGraphBuilder.INPUT_IMAGE).shape();
        if (in[1] != 3 || in[2] != in[3] || in[2] <= 0) {
            throw new EngineException(planFile + ": input '" + ScoringGraphBuilder.INPUT_IMAGE + "' expected [batch, 3, S, S], found " + Arrays.toString(in));
        }
        long[] map = io.get(ScoringGraphBuilder.OUTPUT_ANOMALY_MAP).shape();
        if (map[1] != in[2] || map[2] != in[3]) {
            throw new EngineException(planFile + ": output '" + ScoringGraphBuilder.OUTPUT_ANOMALY_MAP + "' expected [batch, " + in[2] + ", " + in[3]
                    + "], found " + Arrays.toString(map));
        }
        return io;
    }

    /** Describes one tensor; exactly one axis (the batch) may be dynamic. */
    static Io io(Path planFile, String name, boolean input, long[] shape) {
        int axis = -1;
        long outer = 1, inner = 1;
        for (int k = 0; k < shape.length; k++) {
            if (shape[k] < 0) {
                if (axis >= 0) throw new EngineException(planFile + ": tensor '" + name + "' " + Arrays.toString(shape) + " has more than one dynamic axis");
                axis = k;
            }
        }
        if (axis < 0) throw new EngineException(planFile + ": tensor '" + name + "' " + Arrays.toString(shape) + " has no dynamic batch axis");
        for (int k = 0; k < shape.length; k++) {
            if (k < axis) outer *= shape[k];
            if (k > axis) inner *= shape[k];
        }
        return new Io(name, input, shape, axis, outer * inner, outer, inner);
    }

    private static void expect(Map<String, Io> io, Path planFile, String name, boolean input, int rank, int batchAxis) {
        Io t = io.get(name);
        if (t == null || t.input() != input) {
            throw new EngineException(planFile + ": not an AnomalyCLIP scoring plan: no " + (input ? "input" : "output") + " '" + name
                    + "' (has " + io.keySet() + ")");
        }
        if (t.shape().length != rank || t.batchAxis() != batchAxis) {
            throw new EngineException(planFile + ": tensor '" + name + "' expected rank " + rank + " with the batch on axis " + batchAxis
                    + ", found " + Arrays.toString(t.shape()));
        }
    }

    private static int profileMaxBatch(ICudaEngine engine, NativeStack natives) {
        if (engine.getNbOptimizationProfiles() < 1) throw new EngineException("the plan has no optimisation profile");
        try (Dims64 max = engine.getProfileShape(ScoringGraphBuilder.INPUT_IMAGE, 0, OptProfileSelector.kMAX)) {
            long b = max.nbDims() > 0 ? max.d(0) : -1;
            if (b < 1 || b > BatchProfile.LIMIT) throw new EngineException("the plan's profile max batch " + b + " is not plausible");
            return (int) b;
        }
    }

    @Override
    public int imageSize() { return imageSize; }

    @Override
    public String backend() { return "tensorrt-gpu"; }

    /** The largest batch one worker runs at once; larger calls are split. */
    public int maxBatch() { return maxBatch; }

    public int taps() { return taps; }

    public int tokens() { return tokens; }

    public int embedDim() { return embedDim; }

    @Override
    public ScoreBatch score(float[] images, int batch) {
        Map<String, float[]> out = run(images, batch, List.of(ScoringGraphBuilder.OUTPUT_IMAGE_SCORE, ScoringGraphBuilder.OUTPUT_ANOMALY_MAP));
        return new ScoreBatch(batch, imageSize, out.get(ScoringGraphBuilder.OUTPUT_IMAGE_SCORE), out.get(ScoringGraphBuilder.OUTPUT_ANOMALY_MAP));
    }

    @Override
    public FeatureBatch features(float[] images, int batch) {
        Map<String, float[]> out = run(images, batch, List.of(ScoringGraphBuilder.OUTPUT_PATCH_FEATURES, ScoringGraphBuilder.OUTPUT_IMAGE_FEATURES));
        return new FeatureBatch(batch, taps, tokens, embedDim, out.get(ScoringGraphBuilder.OUTPUT_PATCH_FEATURES),
                out.get(ScoringGraphBuilder.OUTPUT_IMAGE_FEATURES));
    }

    /** One run of the plan for both (it computes every output anyway; this copies four back instead of two, twice). */
    @Override
    public ScoredFeatures scoreAndFeatures(float[] images, int batch) {
        Map<String, float[]> out = run(images, batch, List.of(ScoringGraphBuilder.OUTPUT_IMAGE_SCORE, ScoringGraphBuilder.OUTPUT_ANOMALY_MAP,
                ScoringGraphBuilder.OUTPUT_PATCH_FEATURES, ScoringGraphBuilder.OUTPUT_IMAGE_FEATURES));
        return new ScoredFeatures(
                new ScoreBatch(batch, imageSize, out.get(ScoringGraphBuilder.OUTPUT_IMAGE_SCORE), out.get(ScoringGraphBuilder.OUTPUT_ANOMALY_MAP)),
                new FeatureBatch(batch, taps, tokens, embedDim, out.get(ScoringGraphBuilder.OUTPUT_PATCH_FEATURES),
                        out.get(ScoringGraphBuilder.OUTPUT_IMAGE_FEATURES)));
    }

    /** Runs the batch (in chunks of at most {@link #maxBatch()}) and returns the named outputs, full batch, row-major. */
    Map<String, float[]> run(float[] images, int batch, List<String> outputs) {
        lock.readLock().lock();
        try {
            if (closed) throw new EngineException(planFile + ": engine is closed");
            if (images == null) throw new EngineException("images must not be null");
            if (batch <= 0) throw new EngineException("batch must be >= 1, got " + batch);
            long expected = AnomalyEngine.inputLength(batch, imageSize);
            if (images.length != expected) {
                throw new EngineException("input of " + batch + " image(s) [" + batch + ", 3, " + imageSize + ", " + imageSize + "] needs "
                        + expected + " floats, got " + images.length);
            }
            List<Io> wanted = new ArrayList<>();
            Map<String, float[]> out = new LinkedHashMap<>();
            for (String name : outputs) {
                Io t = io.get(name);
                if (t == null || t.input()) throw new EngineException(planFile + ": the plan has no output '" + name + "'");
                long n = t.perImage() * batch;
                if (n > Integer.MAX_VALUE - 8) throw new EngineException("output '" + name + "' of a batch of " + batch + " is too large for one array: " + n + " floats");
                wanted.add(t);
                out.put(name, new float[(int) n]);
            }
            Worker w = take();
            try {
                for (int start = 0; start < batch; start += maxBatch) {
                    w.run(images, start, Math.min(maxBatch, batch - start), batch, wanted, out);
                }
            } finally {
                idle.add(w);
            }
            return out;
        } finally {
            lock.readLock().unlock();
        }
    }

    private Worker take() {
        try {
            return idle.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EngineException(planFile + ": interrupted while waiting for a free TensorRT worker", e);
        }
    }

    @Override
    public void close() {
        lock.writeLock().lock(); // waits for running calls
        try {
            if (closed) return;
            closed = true;
            natives.close(); // workers (context, buffers, stream), engine, runtime: reverse order; the logger stays
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** One execution context with its stream and max-batch buffers. Used by one call at a time. */
    private static final class Worker implements AutoCloseable {
        private final String name;
        private final NativeStack natives;
        private final TrtLogger logger;
        private final CUstream_st stream;
        private final IExecutionContext context;
        private final Map<String, Pointer> device = new LinkedHashMap<>();
        private final Map<String, FloatPointer> host = new LinkedHashMap<>();
        private final Io input;
        private final Dims64 inputShape;

        Worker(String name, ICudaEngine engine, Map<String, Io> io, int maxBatch, TrtLogger logger) {
            this.name = name;
            this.logger = logger;
            this.natives = new NativeStack("TensorRT " + name);
            try {
                stream = Cuda.stream(natives, name);
                for (Io t : io.values()) {
                    long floats = t.perImage() * maxBatch;
                    String what = (t.input() ? "input '" : "output '") + t.name() + "'";
                    device.put(t.name(), Cuda.deviceBuffer(natives, what, floats * Float.BYTES));
                    host.put(t.name(), Cuda.pinnedFloats(natives, what, floats));
                }
                input = io.get(ScoringGraphBuilder.INPUT_IMAGE);
                inputShape = natives.own("input Dims64", TrtPlanBuilder.toDims(input.shape()));
                context = natives.own("ICudaEngine.createExecutionContext (" + name + ")", engine.createExecutionContext(), logger.lastErrors());
                for (Io t : io.values()) {
                    if (!context.setTensorAddress(t.name(), device.get(t.name()))) {
                        throw new EngineException("IExecutionContext.setTensorAddress('" + t.name() + "') failed (" + name + "). " + logger.lastErrors());
                    }
                }
            } catch (RuntimeException | Error e) {
                natives.closeAfter(e);
                throw e;
            }
        }

        /** Images [start, start + b) of a batch of {@code total}; writes the wanted outputs into their full-batch arrays. */
        void run(float[] images, int start, int b, int total, List<Io> wanted, Map<String, float[]> out) {
            long[] shape = input.shape().clone();
            shape[input.batchAxis()] = b;
            inputShape.d(input.batchAxis(), b);
            if (!context.setInputShape(input.name(), inputShape)) {
                throw new EngineException("IExecutionContext.setInputShape('" + input.name() + "', " + Arrays.toString(shape) + ") failed (" + name + "). "
                        + logger.lastErrors());
            }
            int n = Math.toIntExact(input.perImage() * b);
            FloatPointer in = host.get(input.name());
            in.position(0).put(images, Math.toIntExact(input.perImage() * start), n);
            Cuda.check(cudaMemcpyAsync(device.get(input.name()), in.position(0), (long) n * Float.BYTES, cudaMemcpyHostToDevice, stream),
                    "cudaMemcpyAsync(host→device, input '" + input.name() + "', batch " + b + ")");
            if (!context.enqueueV3(stream)) {
                throw new EngineException("IExecutionContext.enqueueV3 failed on a batch of " + b + " (" + name + "). " + logger.lastErrors());
            }
            for (Io t : wanted) {
                long bytes = t.perImage() * b * Float.BYTES;
                Cuda.check(cudaMemcpyAsync(host.get(t.name()).position(0), device.get(t.name()), bytes, cudaMemcpyDeviceToHost, stream),
                        "cudaMemcpyAsync(device→host, output '" + t.name() + "', batch " + b + ")");
            }
            Cuda.check(cudaStreamSynchronize(stream), "cudaStreamSynchronize after enqueueV3 (" + name + ", batch " + b + ")");
            for (Io t : wanted) {
                // chunk layout [outer, b, inner] goes to [outer, total, inner] at batch offset start
                FloatPointer h = host.get(t.name());
                float[] dst = out.get(t.name());
                int block = Math.toIntExact(b * t.inner());
                for (long o = 0; o < t.outer(); o++) {
                    h.position(o * block).get(dst, Math.toIntExact((o * total + start) * t.inner()), block);
                }
            }
        }

        @Override
        public void close() {
            natives.close(); // context, input dims, pinned and device buffers, stream
        }
    }
}
