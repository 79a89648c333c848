package dev.anomalyedge.engine.trt;

import ai.onnx.proto.OnnxMl;
import dev.anomalyedge.engine.AnomalyEngine.FeatureBatch;
import dev.anomalyedge.engine.AnomalyEngine.ScoreBatch;
import dev.anomalyedge.engine.BankSearch;
import dev.anomalyedge.engine.EngineException;
import dev.anomalyedge.fewshot.MemoryBank;
import dev.anomalyedge.graph.FewShotGraphBuilder;
import dev.anomalyedge.graph.ScoringGraphBuilder;
import dev.anomalyedge.model.AnomalyClipSettings;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.ShortPointer;
import org.bytedeco.tensorrt.global.nvinfer.DataType;
import org.bytedeco.tensorrt.nvinfer.Dims64;
import org.bytedeco.tensorrt.nvinfer.ICudaEngine;
import org.bytedeco.tensorrt.nvinfer.IExecutionContext;
import org.bytedeco.tensorrt.nvinfer.IRuntime;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

import static org.bytedeco.cuda.global.cudart.cudaMemcpyAsync;
import static org.bytedeco.cuda.global.cudart.cudaMemcpyDeviceToHost;
import static org.bytedeco.cuda.global.cudart.cudaMemcpyHostToDevice;
import static org.bytedeco.cuda.global.cudart.cudaStreamSynchronize;
import static org.bytedeco.tensorrt.global.nvinfer.createInferRuntime;

/**
 * The few-shot bank search ({@link FewShotGraphBuilder}, the graph ONNX Runtime runs on the CPU) as a TensorRT plan of
 * its own on the GPU, beside the scoring plan: the patch features of one scoring run are searched against a memory bank
 * that stays on the device between calls.
 *
 * <pre>
 * files    &lt;bundle&gt;/engines/fewshot-head-n&lt;rows&gt;/fewshot_head.onnx, &lt;gpu&gt;-sm&lt;cc&gt;-trt&lt;ver&gt;-fp32.plan + .json
 * plan     FP32 without TF32 (distances of nearly equal unit vectors need float32 cosines); one image per run (B = 1, as on the
 *          host: the similarity matrix is 4·K·G²·N bytes); bank rows N in 1..rows (default 8 whole images, 8·G²)
 * device   bank float16 [K, rows, E] (uploaded when the bank changes), features [K, 1, T, E], map [1, S, S], score [1]
 * </pre>
 * Banks larger than the plan's rows, or of another model, do not {@link #fits fit}; the caller searches them on the
 * host. Built by {@code build-engine} (in its child JVM, after the scoring plan) and opened with the scoring plan.
 * One {@link NativeStack} owns everything; calls are serialised (one context), {@link #close()} waits for a running one.
 */
public final class TrtFewShotHead implements BankSearch {
    private static final Logger LOG = Logger.getLogger(TrtFewShotHead.class);
    /** The bank rows a head plan holds by default, in whole images of the model's grid: k = 8 without tiles. */
    public static final int DEFAULT_BANK_IMAGES = 8;
    static final String MODEL_FILE = "fewshot_head.onnx";
    static final String DIR_PREFIX = "fewshot-head-n";

    /** What the head needs from the scoring model: its feature shape [K, B, T, E], map side S and smoothing. */
    public record Shape(int taps, int tokens, int embedDim, int imageSize, double sigma, AnomalyClipSettings.TapReduction reduction) {
        /** Bank rows for {@code images} whole images of the model's grid (G² patches each). */
        public int rows(int images) {
            return Math.multiplyExact(images, tokens - 1);
        }

        /**
         * Read from the scoring model file: {@code patch_features} [K, batch, T, E] and {@code anomaly_map} [batch, S, S]
         * from the graph's outputs, σ and the tap reduction from its {@code anomalyclip.*} metadata.
         */
        public static Shape of(Path scoringModel) {
            OnnxMl.ModelProto m;
            try (InputStream in = Files.newInputStream(scoringModel)) {
                m = OnnxMl.ModelProto.parseFrom(in);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + scoringModel, e);
            }
            Map<String, String> meta = new HashMap<>();
            for (OnnxMl.StringStringEntryProto e : m.getMetadataPropsList()) meta.put(e.getKey(), e.getValue());
            String sigma = meta.get(ScoringGraphBuilder.SIGMA_METADATA), reduction = meta.get(ScoringGraphBuilder.TAP_REDUCTION_METADATA);
            if (sigma == null || reduction == null) {
                throw new EngineException(scoringModel + ": no " + ScoringGraphBuilder.SIGMA_METADATA + " / "
                        + ScoringGraphBuilder.TAP_REDUCTION_METADATA + " metadata; export it again for few-shot scoring");
            }
            long[] features = null, map = null;
            for (OnnxMl.ValueInfoProto v : m.getGraph().getOutputList()) {
                if (v.getName().equals(ScoringGraphBuilder.OUTPUT_PATCH_FEATURES)) features = dims(v);
                if (v.getName().equals(ScoringGraphBuilder.OUTPUT_ANOMALY_MAP)) map = dims(v);
            }
            if (features == null || features.length != 4 || map == null || map.length != 3) {
                throw new EngineException(scoringModel + ": not an AnomalyCLIP scoring model (outputs patch_features [K, B, T, E] and"
                        + " anomaly_map [B, S, S] expected)");
            }
            try {
                return new Shape(Math.toIntExact(features[0]), Math.toIntExact(features[2]), Math.toIntExact(features[3]),
                        Math.toIntExact(map[1]), Double.parseDouble(sigma), AnomalyClipSettings.TapReduction.valueOf(reduction));
            } catch (IllegalArgumentException | ArithmeticException e) {
                throw new EngineException(scoringModel + ": unusable few-shot shape " + Arrays.toString(features) + " / "
                        + Arrays.toString(map) + ", sigma " + sigma + ", reduction " + reduction, e);
            }
        }

        private static long[] dims(OnnxMl.ValueInfoProto v) {
            var shape = v.getType().getTensorType().getShape();
            long[] out = new long[shape.getDimCount()];
            for (int i = 0; i < out.length; i++) out[i] = shape.getDim(i).hasDimValue() ? shape.getDim(i).getDimValue() : -1;
            return out;
        }
    }

    /** The head plans' cache for banks of up to {@code rows} rows: {@code <bundle>/engines/fewshot-head-n<rows>}. */
    public static PlanCache cache(Path bundleDir, int rows) {
        return new PlanCache(bundleDir.resolve(PlanCache.ENGINES_DIR).resolve(DIR_PREFIX + rows));
    }

    /**
     * Builds the bundle's head plan for banks of up to {@code bankImages} whole images, in this process (the
     * {@code build-engine} child). Returns one line saying what was done; throws {@link EngineException} when it fails.
     */
    public static String build(Path bundleDir, int bankImages, long workspaceBytes, boolean force, TrtAvailability trt) {
        Shape shape = Shape.of(bundleDir.resolve(PlanCache.MODEL_FILE));
        int rows = shape.rows(bankImages);
        PlanCache cache = cache(bundleDir, rows);
        Path model = writeModel(cache, shape);
        PlanKey key = PlanKey.of(trt, TrtPrecision.FP32);
        PlanCache.Lookup lookup = cache.lookup(key, ModelDigest.sha256(model), 1);
        if (lookup.matches() && !force) return "few-shot head plan up to date: " + lookup.plan();
        TrtPlanBuilder.Result r = TrtPlanBuilder.build(new TrtPlanBuilder.Request(model, cache, TrtPrecision.FP32, new BatchProfile(1, 1, 1),
                workspaceBytes, PrecisionPolicy.standard(), Duration.ofSeconds(15),
                Map.of(FewShotGraphBuilder.INPUT_MEMORY_BANK, new TrtPlanBuilder.AxisRange(1, rows, rows)), true), trt);
        return String.format(java.util.Locale.ROOT, "few-shot head plan %s (banks up to %d rows = %d images of %d patches) built in %.1f s",
                r.plan(), rows, bankImages, shape.tokens() - 1, r.sidecar().buildSeconds());
    }

    /** Writes the head's ONNX model into {@code cache}'s folder (only when its bytes change, so its digest stays put). */
    static Path writeModel(PlanCache cache, Shape s) {
        byte[] bytes = modelBytes(s);
        Path file = cache.enginesDir().resolve(MODEL_FILE);
        try {
            Files.createDirectories(cache.enginesDir());
            if (!Files.isRegularFile(file) || !Arrays.equals(Files.readAllBytes(file), bytes)) {
                Path tmp = Files.createTempFile(cache.enginesDir(), MODEL_FILE, ".tmp");
                Files.write(tmp, bytes);
                PlanCache.moveIntoPlace(tmp, file);
            }
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the few-shot head model " + file, e);
        }
    }

    /** The head's ONNX model for a scoring model of shape {@code s}. */
    static byte[] modelBytes(Shape s) {
        return FewShotGraphBuilder.build(s.taps(), s.tokens(), s.embedDim(), s.imageSize(), s.sigma(), s.reduction());
    }

    /**
     * The bundle's head plan for this GPU and TensorRT, opened; null (with the reason logged) when none was built for
     * them or it cannot be opened: the caller then searches banks on the host. Of several built for different bank
     * sizes, the largest that matches is taken.
     */
    public static TrtFewShotHead openIfBuilt(Path bundleDir, TrtAvailability trt) {
        Path engines = bundleDir.resolve(PlanCache.ENGINES_DIR);
        String why = "no few-shot head plan in " + engines + " (build-engine builds it after the scoring plan)";
        try {
            Shape shape = Shape.of(bundleDir.resolve(PlanCache.MODEL_FILE));
            byte[] head = modelBytes(shape);
            PlanKey key = PlanKey.of(trt, TrtPrecision.FP32);
            int best = 0;
            Path plan = null;
            if (Files.isDirectory(engines)) {
                try (DirectoryStream<Path> dirs = Files.newDirectoryStream(engines, DIR_PREFIX + "*")) {
                    for (Path d : dirs) {
                        int rows = rowsOf(d.getFileName().toString());
                        Path model = d.resolve(MODEL_FILE);
                        if (rows <= best || !Files.isRegularFile(model)) continue;
                        if (!Arrays.equals(Files.readAllBytes(model), head)) {
                            why = "few-shot head plan in " + d.getFileName() + " was built for another scoring model (build-engine --force)";
                            continue;
                        }
                        PlanCache.Lookup lookup = new PlanCache(d).lookup(key, ModelDigest.sha256(model), 1);
                        if (lookup.matches()) {
                            best = rows;
                            plan = lookup.plan();
                        } else {
                            why = "few-shot head plan in " + d.getFileName() + " " + lookup.reason();
                        }
                    }
                }
            }
            if (plan != null) return open(plan, shape, best);
        } catch (IOException | RuntimeException e) {
            why = "the few-shot head plan cannot be opened: " + e.getMessage();
        }
        LOG.infof("few-shot banks are searched on the host: %s", why);
        return null;
    }

    static int rowsOf(String dirName) {
        try {
            return dirName.startsWith(DIR_PREFIX) ? Integer.parseInt(dirName.substring(DIR_PREFIX.length())) : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private final Path planFile;
    private final Shape shape;
    private final int rows;
    private final NativeStack natives;
    private final TrtLogger logger;
    private final CUstream_st stream;
    private final IExecutionContext context;
    private final Pointer featuresDevice, bankDevice, mapDevice, scoreDevice;
    private final FloatPointer featuresHost, mapHost, scoreHost;
    private final Dims64 featuresShape, bankShape;
    private MemoryBank onDevice; // guarded by this: the bank whose rows are in bankDevice (banks are immutable)
    private boolean closed;      // guarded by this

    private TrtFewShotHead(Path planFile, Shape shape, int rows) {
        this.planFile = planFile;
        this.shape = shape;
        this.rows = rows;
        this.natives = new NativeStack("TensorRT few-shot head " + planFile.getFileName());
        try {
            logger = TrtLogger.shared(); // process-wide, never closed
            logger.clearErrors();
            IRuntime runtime = natives.own("createInferRuntime", createInferRuntime(logger), logger.lastErrors());
            ICudaEngine engine = TrtAnomalyEngine.deserialize(runtime, planFile, logger, natives);
            check(engine);
            stream = Cuda.stream(natives, "few-shot head");
            long featureFloats = (long) shape.taps() * shape.tokens() * shape.embedDim(), mapFloats = (long) shape.imageSize() * shape.imageSize();
            String features = "few-shot head input '" + FewShotGraphBuilder.INPUT_PATCH_FEATURES + "'";
            String map = "few-shot head output '" + FewShotGraphBuilder.OUTPUT_MAP + "'";
            String score = "few-shot head output '" + FewShotGraphBuilder.OUTPUT_SCORE + "'";
            featuresDevice = Cuda.deviceBuffer(natives, features, featureFloats * Float.BYTES);
            bankDevice = Cuda.deviceBuffer(natives, "few-shot head input '" + FewShotGraphBuilder.INPUT_MEMORY_BANK + "'",
                    (long) shape.taps() * rows * shape.embedDim() * Short.BYTES);
            mapDevice = Cuda.deviceBuffer(natives, map, mapFloats * Float.BYTES);
            scoreDevice = Cuda.deviceBuffer(natives, score, Float.BYTES);
            featuresHost = Cuda.pinnedFloats(natives, features, featureFloats);
            mapHost = Cuda.pinnedFloats(natives, map, mapFloats);
            scoreHost = Cuda.pinnedFloats(natives, score, 1);
            featuresShape = natives.own("features Dims64", TrtPlanBuilder.toDims(new long[] {shape.taps(), 1, shape.tokens(), shape.embedDim()}));
            bankShape = natives.own("bank Dims64", TrtPlanBuilder.toDims(new long[] {shape.taps(), rows, shape.embedDim()}));
            context = natives.own("ICudaEngine.createExecutionContext (few-shot head)", engine.createExecutionContext(), logger.lastErrors());
            address(FewShotGraphBuilder.INPUT_PATCH_FEATURES, featuresDevice);
            address(FewShotGraphBuilder.INPUT_MEMORY_BANK, bankDevice);
            address(FewShotGraphBuilder.OUTPUT_MAP, mapDevice);
            address(FewShotGraphBuilder.OUTPUT_SCORE, scoreDevice);
        } catch (RuntimeException | Error e) {
            natives.closeAfter(e);
            throw e;
        }
    }

    /** Opens a head plan for banks of up to {@code rows} rows of a model of {@code shape}. */
    static TrtFewShotHead open(Path planFile, Shape shape, int rows) {
        TrtNatives.require();
        return new TrtFewShotHead(planFile, shape, rows);
    }

    /** The plan's tensors must be the head's: float32 features, float16 bank, float32 map and score. */
    private void check(ICudaEngine engine) {
        Map<String, DataType> expected = Map.of(FewShotGraphBuilder.INPUT_PATCH_FEATURES, DataType.kFLOAT,
                FewShotGraphBuilder.INPUT_MEMORY_BANK, DataType.kHALF, FewShotGraphBuilder.OUTPUT_MAP, DataType.kFLOAT,
                FewShotGraphBuilder.OUTPUT_SCORE, DataType.kFLOAT);
        int n = engine.getNbIOTensors();
        if (n != expected.size()) throw new EngineException(planFile + ": not a few-shot head plan (" + n + " I/O tensors)");
        for (int i = 0; i < n; i++) {
            String name = engine.getIOTensorName(i);
            DataType want = expected.get(name), got = engine.getTensorDataType(name).intern();
            if (want == null || want != got) throw new EngineException(planFile + ": tensor '" + name + "' is " + got + ", expected " + want);
        }
    }

    private void address(String name, Pointer p) {
        if (!context.setTensorAddress(name, p)) {
            throw new EngineException("IExecutionContext.setTensorAddress('" + name + "') failed (few-shot head). " + logger.lastErrors());
        }
    }

    @Override
    public String backend() { return "tensorrt-gpu"; }

    /** The most bank rows this plan searches. */
    public int rows() { return rows; }

    @Override
    public boolean fits(MemoryBank bank) {
        return bank.matches(shape.taps(), shape.embedDim()) && bank.size() <= rows;
    }

    @Override
    public synchronized ScoreBatch search(FeatureBatch f, MemoryBank bank) {
        if (closed) throw new EngineException(planFile + ": the few-shot head is closed");
        if (f.taps() != shape.taps() || f.tokens() != shape.tokens() || f.embedDim() != shape.embedDim()) {
            throw new EngineException("features [K=" + f.taps() + ", T=" + f.tokens() + ", E=" + f.embedDim() + "] do not match the few-shot head [K="
                    + shape.taps() + ", T=" + shape.tokens() + ", E=" + shape.embedDim() + "]");
        }
        if (!fits(bank)) {
            throw new EngineException("the memory bank [K=" + bank.taps() + ", N=" + bank.size() + ", E=" + bank.embedDim()
                    + "] does not fit the few-shot head plan (K=" + shape.taps() + ", E=" + shape.embedDim() + ", N <= " + rows + ")");
        }
        upload(bank);
        int b = f.batch(), perImage = shape.tokens() * shape.embedDim(), perMap = shape.imageSize() * shape.imageSize();
        float[] scores = new float[b], maps = new float[Math.toIntExact((long) b * perMap)];
        for (int i = 0; i < b; i++) {
            for (int k = 0; k < shape.taps(); k++) { // [K, B, T, E] → image i's [K, 1, T, E]
                featuresHost.position((long) k * perImage).put(f.patchFeatures(), Math.toIntExact(((long) k * b + i) * perImage), perImage);
            }
            long featureBytes = (long) shape.taps() * perImage * Float.BYTES;
            Cuda.check(cudaMemcpyAsync(featuresDevice, featuresHost.position(0), featureBytes, cudaMemcpyHostToDevice, stream),
                    "cudaMemcpyAsync(host→device, few-shot features)");
            if (!context.enqueueV3(stream)) {
                throw new EngineException("IExecutionContext.enqueueV3 failed (few-shot head, bank N=" + bank.size() + "). " + logger.lastErrors());
            }
            Cuda.check(cudaMemcpyAsync(mapHost.position(0), mapDevice, (long) perMap * Float.BYTES, cudaMemcpyDeviceToHost, stream),
                    "cudaMemcpyAsync(device→host, few-shot map)");
            Cuda.check(cudaMemcpyAsync(scoreHost.position(0), scoreDevice, Float.BYTES, cudaMemcpyDeviceToHost, stream),
                    "cudaMemcpyAsync(device→host, few-shot score)");
            Cuda.check(cudaStreamSynchronize(stream), "cudaStreamSynchronize (few-shot head)");
            mapHost.position(0).get(maps, i * perMap, perMap);
            scores[i] = scoreHost.get(0);
        }
        return new ScoreBatch(b, shape.imageSize(), scores, maps);
    }

    /** Copies {@code bank}'s rows to the device unless they are there already, and sets the input shapes for them. */
    private void upload(MemoryBank bank) {
        if (bank != onDevice) {
            long values = (long) bank.taps() * bank.size() * bank.embedDim();
            try (ShortPointer staging = new ShortPointer(values)) {
                staging.asBuffer().put(bank.halfBuffer());
                Cuda.check(cudaMemcpyAsync(bankDevice, staging, values * Short.BYTES, cudaMemcpyHostToDevice, stream),
                        "cudaMemcpyAsync(host→device, memory bank of " + bank.size() + " rows)");
                Cuda.check(cudaStreamSynchronize(stream), "cudaStreamSynchronize (memory bank upload)"); // before staging is freed
            }
            onDevice = bank;
        }
        bankShape.d(1, bank.size());
        if (!context.setInputShape(FewShotGraphBuilder.INPUT_MEMORY_BANK, bankShape)
                || !context.setInputShape(FewShotGraphBuilder.INPUT_PATCH_FEATURES, featuresShape)) {
            onDevice = null;
            throw new EngineException("IExecutionContext.setInputShape failed for a bank of " + bank.size() + " rows (few-shot head). "
                    + logger.lastErrors());
        }
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        onDevice = null;
        natives.close(); // context, dims, pinned and device buffers, stream, engine, runtime: reverse order; the logger stays
    }
}
