package dev.anomalyedge.engine.trt;

import dev.anomalyedge.engine.EngineException;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.tensorrt.global.nvinfer.BuilderFlag;
import org.bytedeco.tensorrt.global.nvinfer.MemoryPoolType;
import org.bytedeco.tensorrt.global.nvinfer.OptProfileSelector;
import org.bytedeco.tensorrt.nvinfer.Dims64;
import org.bytedeco.tensorrt.nvinfer.IBuilder;
import org.bytedeco.tensorrt.nvinfer.IBuilderConfig;
import org.bytedeco.tensorrt.nvinfer.IHostMemory;
import org.bytedeco.tensorrt.nvinfer.ILogger;
import org.bytedeco.tensorrt.nvinfer.INetworkDefinition;
import org.bytedeco.tensorrt.nvinfer.IOptimizationProfile;
import org.bytedeco.tensorrt.nvinfer.ITensor;
import org.bytedeco.tensorrt.nvinfer.ITimingCache;
import org.bytedeco.tensorrt.nvonnxparser.IParser;
import org.bytedeco.tensorrt.nvonnxparser.IParserError;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.bytedeco.tensorrt.global.nvinfer.createInferBuilder;
import static org.bytedeco.tensorrt.global.nvonnxparser.createParser;

/**
 * Builds a TensorRT plan from a bundle's ONNX model on this box's GPU, the same way as
 * {@code trtexec --onnx=visual.onnx --fp16 --minShapes=image:1x3xSxS --optShapes=… --maxShapes=… --memPoolSize=workspace:N
 * --timingCacheFile=… --saveEngine=…} plus per-layer FP32 constraints ({@link PrecisionPolicy}).
 *
 * <p>Steps: parse the ONNX file (every parser error is logged and reported), configure (workspace limit, FP16 flag with
 * FP32 kept where accuracy needs it, one optimisation profile over the batch axis of every input, the persisted
 * timing cache), build the serialised network, write the plan atomically, save the timing cache, and write the
 * sidecar last. Every TensorRT object is owned by one {@link NativeStack} and released in reverse order.
 */
public final class TrtPlanBuilder {
    private static final Logger LOG = Logger.getLogger(TrtPlanBuilder.class);
    private static final long WRITE_CHUNK = 64L << 20;

    /**
     * @param onnxModel      the bundle's visual.onnx (external data next to it)
     * @param cache          where the plan, sidecar and timing cache go
     * @param precision      fp16 or fp32
     * @param profile        batch range of the optimisation profile
     * @param workspaceBytes builder workspace pool limit
     * @param policy         layers kept in FP32 in an FP16 plan
     * @param heartbeat      interval of progress lines during long phases
     * @param inputRanges    inputs whose dynamic axis is not the batch, with their ranges (the few-shot head's bank rows)
     * @param strictFp32     no TF32 for FP32 layers (TensorRT allows it by default on Ampere and later; its 10-bit
     *                       mantissa is too coarse for cosines of nearly equal unit vectors)
     */
    public record Request(Path onnxModel, PlanCache cache, TrtPrecision precision, BatchProfile profile, long workspaceBytes,
                          PrecisionPolicy policy, Duration heartbeat, Map<String, AxisRange> inputRanges, boolean strictFp32) {
        public Request {
            if (workspaceBytes < (1L << 20)) throw new EngineException("workspace must be at least 1 MiB, got " + workspaceBytes + " bytes");
            inputRanges = Map.copyOf(inputRanges);
        }

        /** Every input's dynamic axis over {@code profile}. */
        public Request(Path onnxModel, PlanCache cache, TrtPrecision precision, BatchProfile profile, long workspaceBytes,
                       PrecisionPolicy policy, Duration heartbeat) {
            this(onnxModel, cache, precision, profile, workspaceBytes, policy, heartbeat, Map.of(), false);
        }

        /** The bundle's model and cache, the standard precision policy, a heartbeat every 15 s. */
        public static Request forBundle(Path bundleDir, TrtPrecision precision, BatchProfile profile, long workspaceBytes) {
            return new Request(bundleDir.resolve(PlanCache.MODEL_FILE), PlanCache.forBundle(bundleDir), precision, profile,
                    workspaceBytes, PrecisionPolicy.standard(), Duration.ofSeconds(15));
        }
    }

    /**
     * The range of an input's dynamic axis that is not a batch of images (the few-shot head's bank rows): {@code min..max},
     * kernels tuned for {@code opt}.
     */
    public record AxisRange(long min, long opt, long max) {
        public AxisRange {
            if (min < 1 || opt < min || max < opt) {
                throw new EngineException("axis range needs 1 <= min <= opt <= max, got " + min + ".." + max + " (opt " + opt + ")");
            }
        }
    }

    /** The written plan and its sidecar. */
    public record Result(PlanKey key, Path plan, Path sidecarFile, PlanSidecar sidecar) {}

    private TrtPlanBuilder() {}

    /** Builds and writes the plan; throws {@link EngineException} naming the failed step (and TensorRT's errors). */
    public static Result build(Request r) {
        return build(r, TrtNatives.require());
    }

    /** {@link #build(Request)} for the given, loaded TensorRT and GPU (tests load stand-in libraries). */
    static Result build(Request r, TrtAvailability trt) {
        if (!Files.isRegularFile(r.onnxModel())) throw new EngineException(r.onnxModel() + ": ONNX model file not found");
        PlanKey key = PlanKey.of(trt, r.precision());
        PlanCache cache = r.cache();
        String what = "TensorRT " + r.precision().id() + " plan " + key.baseName() + " for " + r.onnxModel();
        try (BuildProgress progress = new BuildProgress(what, LOG::info, r.heartbeat());
             NativeStack natives = new NativeStack(what)) {
            String sha;
            try (var p = progress.phase("[1/6] hash ONNX model")) {
                sha = ModelDigest.sha256(r.onnxModel());
            }
            TrtLogger logger = TrtLogger.shared(); // process-wide, never closed
            logger.clearErrors();
            BuilderResources.Status resources = BuilderResources.locate(trt);
            progress.note(resources.describe());
            IBuilder builder = natives.own("createInferBuilder", createInferBuilder(logger), logger.lastErrors() + resources.ifBuilderFails());
            INetworkDefinition network = natives.own("IBuilder.createNetworkV2", builder.createNetworkV2(0), logger.lastErrors());
            IParser parser = natives.own("nvonnxparser.createParser", createParser(network, logger), logger.lastErrors());
            try (var p = progress.phase("[2/6] parse ONNX")) {
                parse(parser, r.onnxModel());
                progress.note("network has " + network.getNbLayers() + " layers, " + network.getNbInputs() + " input(s), "
                        + network.getNbOutputs() + " output(s)");
            }
            IBuilderConfig config = natives.own("IBuilder.createBuilderConfig", builder.createBuilderConfig(), logger.lastErrors());
            int fp32Layers;
            try (var p = progress.phase("[3/6] configure")) {
                config.setMemoryPoolLimit(MemoryPoolType.kWORKSPACE, r.workspaceBytes());
                if (r.strictFp32()) config.clearFlag(BuilderFlag.kTF32);
                fp32Layers = r.precision() == TrtPrecision.FP16 ? WeakTypedFp16.configure(builder, network, config, r.policy(), progress) : 0;
                addProfile(builder, network, config, r.profile(), r.inputRanges(), natives);
                useTimingCache(config, cache.timingCacheFile(key), natives);
            }
            IHostMemory plan;
            try (var p = progress.phase("[4/6] build engine (minutes for ViT-L)")) {
                logger.clearErrors();
                plan = natives.own("IBuilder.buildSerializedNetwork", builder.buildSerializedNetwork(network, config),
                        logger.lastErrors());
                if (plan.size() <= 0) throw new EngineException(what + ": buildSerializedNetwork gave an empty plan. " + logger.lastErrors());
            }
            long planBytes = plan.size();
            try (var p = progress.phase("[5/6] write plan (" + Cuda.bytes(planBytes) + ")")) {
                Files.createDirectories(cache.enginesDir());
                cache.invalidate(key);
                writeAtomically(plan.data(), planBytes, cache.planFile(key));
                saveTimingCache(config, cache.timingCacheFile(key), natives);
            }
            PlanSidecar sidecar;
            Path sidecarFile;
            try (var p = progress.phase("[6/6] write sidecar")) {
                sidecar = new PlanSidecar(PlanSidecar.FORMAT, cache.planFile(key).getFileName().toString(), planBytes,
                        trt.tensorrtVersion(), trt.device().name(), trt.device().computeCapability(), r.precision().id(), sha,
                        r.profile(), r.workspaceBytes(), fp32Layers, Math.round(progress.elapsedSeconds() * 10) / 10.0,
                        Instant.now().toString());
                sidecarFile = cache.writeSidecar(key, sidecar);
            }
            return new Result(key, cache.planFile(key), sidecarFile, sidecar);
        } catch (IOException e) {
            throw new UncheckedIOException(what + ": " + e.getMessage(), e);
        }
    }

    /**
     * The equivalent {@code trtexec} command line (TensorRT's CLI) for the same plan. trtexec selects FP32 layers
     * only by name ({@code --layerPrecisions=name:fp32,...}), not by type, so the per-type FP32 constraints of
     * {@link PrecisionPolicy} have no exact equivalent; the names the build kept are in its log.
     */
    public static String trtexecEquivalent(Path onnx, Path plan, Path timingCache, TrtPrecision precision, String inputName,
                                           int imageSize, BatchProfile profile, long workspaceBytes) {
        String shape = "x3x" + imageSize + "x" + imageSize;
        return "trtexec --onnx=" + onnx + (precision == TrtPrecision.FP16 ? WeakTypedFp16.trtexecFlags() : "")
                + " --minShapes=" + inputName + ":" + profile.min() + shape
                + " --optShapes=" + inputName + ":" + profile.opt() + shape
                + " --maxShapes=" + inputName + ":" + profile.max() + shape
                + " --memPoolSize=workspace:" + (workspaceBytes >> 20) + "M"
                + " --timingCacheFile=" + timingCache
                + " --saveEngine=" + plan;
    }

    /** Parses the file (external data resolved next to it); on failure every parser error is logged and reported. */
    private static void parse(IParser parser, Path onnx) {
        if (parser.parseFromFile(onnx.toAbsolutePath().toString(), ILogger.Severity.kWARNING.value)) return;
        int n = parser.getNbErrors();
        List<String> errors = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            IParserError e = parser.getError(i);
            String line = "ONNX parser error " + (i + 1) + "/" + n + ": " + e.code().intern() + " at node " + e.node()
                    + " '" + e.nodeName() + "' (" + e.nodeOperator() + "): " + e.desc() + " [" + e.file() + ":" + e.line() + " " + e.func() + "]";
            LOG.error(line);
            errors.add(line);
        }
        throw new EngineException("TensorRT cannot parse " + onnx + ": " + (errors.isEmpty() ? "no error reported" : String.join("; ", errors)));
    }

    /**
     * One profile: for every network input, its dynamic axis (the batch) spans min..max, tuned for opt; an input named in
     * {@code ranges} spans that range instead.
     */
    private static void addProfile(IBuilder builder, INetworkDefinition network, IBuilderConfig config, BatchProfile batch,
                                   Map<String, AxisRange> ranges, NativeStack natives) {
        IOptimizationProfile profile = builder.createOptimizationProfile(); // owned by the builder
        if (profile == null || profile.isNull()) throw new EngineException("IBuilder.createOptimizationProfile failed (returned NULL)");
        for (int i = 0; i < network.getNbInputs(); i++) {
            ITensor input = network.getInput(i);
            String name = input.getName();
            long[] dims = dims(natives.own("Dims64 of input '" + name + "'", input.getDimensions()));
            int axis = -1;
            for (int k = 0; k < dims.length; k++) {
                if (dims[k] >= 0) continue;
                if (axis >= 0) throw new EngineException("input '" + name + "' has more than one dynamic axis " + java.util.Arrays.toString(dims)
                        + "; only the batch axis may be dynamic");
                axis = k;
            }
            if (axis < 0) throw new EngineException("input '" + name + "' has no dynamic batch axis: " + java.util.Arrays.toString(dims));
            AxisRange range = ranges.getOrDefault(name, new AxisRange(batch.min(), batch.opt(), batch.max()));
            setDims(profile, name, OptProfileSelector.kMIN, dims, axis, range.min(), natives);
            setDims(profile, name, OptProfileSelector.kOPT, dims, axis, range.opt(), natives);
            setDims(profile, name, OptProfileSelector.kMAX, dims, axis, range.max(), natives);
        }
        if (!profile.isValid()) throw new EngineException("the optimisation profile " + batch + " is not valid for this network");
        if (config.addOptimizationProfile(profile) < 0) throw new EngineException("IBuilderConfig.addOptimizationProfile(" + batch + ") failed");
    }

    private static void setDims(IOptimizationProfile profile, String name, OptProfileSelector which, long[] dims, int axis, long size,
                                NativeStack natives) {
        long[] d = dims.clone();
        d[axis] = size;
        if (!profile.setDimensions(name, which, natives.own("Dims64", toDims(d)))) {
            throw new EngineException("IOptimizationProfile.setDimensions('" + name + "', " + which + ", " + java.util.Arrays.toString(d) + ") failed");
        }
    }

    static long[] dims(Dims64 d) {
        long[] out = new long[d.nbDims()];
        for (int i = 0; i < out.length; i++) out[i] = d.d(i);
        return out;
    }

    static Dims64 toDims(long[] values) {
        Dims64 d = new Dims64();
        d.nbDims(values.length);
        for (int i = 0; i < values.length; i++) d.d(i, values[i]);
        return d;
    }

    /** Loads the persisted timing cache (or starts an empty one) so rebuilds skip kernel timing they did before. */
    private static void useTimingCache(IBuilderConfig config, Path file, NativeStack natives) throws IOException {
        ITimingCache cache = null;
        if (Files.isRegularFile(file)) {
            byte[] bytes = Files.readAllBytes(file);
            BytePointer blob = natives.own("timing cache bytes", new BytePointer(bytes));
            cache = config.createTimingCache(blob, bytes.length);
            if (cache == null || cache.isNull()) LOG.warnf("timing cache %s is unusable; starting an empty one", file);
            else LOG.infof("using timing cache %s (%s)", file, Cuda.bytes(bytes.length));
        }
        if (cache == null || cache.isNull()) cache = natives.own("IBuilderConfig.createTimingCache(empty)", config.createTimingCache(null, 0));
        else natives.own("IBuilderConfig.createTimingCache", cache);
        if (!config.setTimingCache(cache, false)) LOG.warnf("IBuilderConfig.setTimingCache failed; building without %s", file);
    }

    private static void saveTimingCache(IBuilderConfig config, Path file, NativeStack natives) {
        ITimingCache cache = config.getTimingCache();
        if (cache == null || cache.isNull()) return;
        IHostMemory blob = natives.own("ITimingCache.serialize", cache.serialize());
        try {
            writeAtomically(blob.data(), blob.size(), file);
        } catch (IOException | RuntimeException e) {
            LOG.warnf("cannot save the timing cache %s: %s (the plan is fine)", file, e.getMessage());
        }
    }

    /** Writes {@code size} native bytes at {@code data} to a temporary file, then renames it over {@code target}. */
    static void writeAtomically(Pointer data, long size, Path target) throws IOException {
        Path tmp = Files.createTempFile(target.getParent(), target.getFileName().toString(), ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                BytePointer bytes = new BytePointer(data);
                for (long off = 0; off < size; off += WRITE_CHUNK) {
                    long end = Math.min(size, off + WRITE_CHUNK);
                    ByteBuffer chunk = bytes.position(off).limit(end).asByteBuffer();
                    while (chunk.hasRemaining()) ch.write(chunk);
                }
                ch.force(true);
            }
            PlanCache.moveIntoPlace(tmp, target);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
