package dev.anomalyedge.engine.select;

import dev.anomalyedge.engine.AnomalyEngine;
import dev.anomalyedge.engine.BankSearch;
import dev.anomalyedge.engine.EngineException;
import dev.anomalyedge.engine.trt.PlanCache;
import dev.anomalyedge.engine.trt.PlanKey;
import dev.anomalyedge.engine.trt.TrtAvailability;
import dev.anomalyedge.engine.trt.TrtPlanBuilder;
import org.jboss.logging.Logger;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Chooses and opens the inference engine of a bundle ({@code <bundle>/visual.onnx}, plans in {@code <bundle>/engines}).
 *
 * <ul>
 * <li>{@code onnxruntime}: ONNX Runtime; TensorRT is not probed.</li>
 * <li>{@code tensorrt}: TensorRT or an {@link EngineException} saying why not.</li>
 * <li>{@code auto}: TensorRT when the natives load and a GPU is present. A cached plan is used if its sidecar matches
 *     the box and the model; otherwise it is (re)built, or, with building disabled, ONNX Runtime runs instead. A plan
 *     that cannot be built or opened also falls back to ONNX Runtime. Without TensorRT/GPU it is ONNX Runtime.</li>
 * </ul>
 * Every fallback from an available TensorRT to ONNX Runtime is logged with its reason, counted
 * ({@link #fallbacks()}) and reported to the {@link Listener} (for a metric); the reason also goes into the
 * {@link SelectedEngine} for health and status.
 */
public final class EngineSelector {
    private static final Logger LOG = Logger.getLogger(EngineSelector.class);

    /** Told about fallbacks (e.g. to increment a Micrometer counter). */
    @FunctionalInterface
    public interface Listener {
        void fallback(String reason);
    }

    private final NativeProbe probe;
    private final Backends backends;
    private final Listener listener;
    private final AtomicLong fallbacks = new AtomicLong();

    public EngineSelector(NativeProbe probe, Backends backends, Listener listener) {
        this.probe = probe;
        this.backends = backends;
        this.listener = listener == null ? r -> { } : listener;
    }

    /** The real probe and backends. */
    public static EngineSelector standard(Listener listener) {
        return new EngineSelector(NativeProbe.real(), Backends.real(), listener);
    }

    /** Fallbacks from an available TensorRT to ONNX Runtime so far. */
    public long fallbacks() {
        return fallbacks.get();
    }

    /** Opens the bundle's engine according to {@code settings}. */
    public SelectedEngine select(Path bundleDir, EngineSettings settings) {
        Path model = Backends.model(bundleDir);
        if (!Files.isRegularFile(model)) throw new EngineException(model + ": bundle has no ONNX model");
        if (settings.mode() == EngineMode.ONNXRUNTIME) return onnxRuntime(model, "engine = onnxruntime (configured)");
        TrtAvailability trt = probe.probe();
        if (!trt.available()) {
            if (settings.mode() == EngineMode.TENSORRT) {
                throw new EngineException("engine = tensorrt, but TensorRT is not available: " + trt.reason());
            }
            String reason = "engine = auto and TensorRT is not available (" + trt.reason() + ")";
            LOG.info("using ONNX Runtime: " + reason);
            return onnxRuntime(model, reason);
        }
        try {
            return tensorRt(bundleDir, model, trt, settings);
        } catch (RuntimeException e) {
            if (settings.mode() == EngineMode.TENSORRT) throw e;
            String reason = "engine = auto, TensorRT " + trt.tensorrtVersion() + " on " + trt.device().name()
                    + " is available but not used: " + e.getMessage() + "; falling back to ONNX Runtime";
            LOG.warn(reason, e instanceof PlanUnavailable ? null : e);
            fallbacks.incrementAndGet();
            listener.fallback(reason);
            return onnxRuntime(model, reason);
        }
    }

    /** The plan cannot be used and may not be built: a fallback without a stack trace. */
    static final class PlanUnavailable extends EngineException {
        PlanUnavailable(String message) {
            super(message);
        }
    }

    private SelectedEngine tensorRt(Path bundleDir, Path model, TrtAvailability trt, EngineSettings s) {
        PlanKey key = PlanKey.of(trt, s.precision());
        PlanCache cache = PlanCache.forBundle(bundleDir);
        String backend = "tensorrt-" + s.precision().id();
        PlanCache.Lookup lookup = cache.lookup(key, backends.digest(model), s.maxBatch());
        String why = lookup.reason();
        if (lookup.matches()) {
            try {
                AnomalyEngine engine = backends.openTensorRt(lookup.plan(), s);
                return withHead(bundleDir, trt, engine, backend, "TensorRT " + trt.tensorrtVersion() + " on " + trt.device().name()
                        + ", cached plan " + lookup.plan().getFileName() + " (built " + lookup.sidecar().builtAt() + " in "
                        + lookup.sidecar().buildSeconds() + " s, " + lookup.sidecar().profile() + ")");
            } catch (RuntimeException e) {
                why = "the cached plan " + lookup.plan().getFileName() + " cannot be opened (" + e.getMessage() + ")";
                LOG.warn(why);
            }
        }
        if (!s.buildIfMissing()) {
            throw new PlanUnavailable("TensorRT plan " + key.baseName() + " " + why + ", and building is disabled (build-if-missing = false)");
        }
        LOG.infof("building TensorRT plan %s because %s; this takes minutes", key.baseName(), why);
        TrtPlanBuilder.Result built = backends.buildPlan(bundleDir, s);
        AnomalyEngine engine = backends.openTensorRt(built.plan(), s);
        return withHead(bundleDir, trt, engine, backend, "TensorRT " + trt.tensorrtVersion() + " on " + trt.device().name()
                + ", plan " + built.plan().getFileName() + " built in " + String.format(Locale.ROOT, "%.1f", built.sidecar().buildSeconds())
                + " s (" + built.sidecar().profile() + ") because " + why);
    }

    /**
     * The TensorRT engine with its few-shot head plan when one was built (recipes' banks searched on the GPU); without
     * one, or when it does not open, the engine alone (banks searched on the host), said in the reason.
     */
    private SelectedEngine withHead(Path bundleDir, TrtAvailability trt, AnomalyEngine engine, String backend, String reason) {
        BankSearch head = null;
        try {
            head = backends.openFewShotHead(bundleDir, trt);
        } catch (RuntimeException e) {
            LOG.warnf("the few-shot head plan does not open; recipes' banks are searched on the host: %s", e.getMessage());
        }
        return new SelectedEngine(engine, backend, reason + (head != null ? "; few-shot bank search on the GPU" : "; few-shot bank search on the host"),
                head);
    }

    private SelectedEngine onnxRuntime(Path model, String reason) {
        AnomalyEngine engine = backends.openOnnxRuntime(model);
        return new SelectedEngine(engine, engine.backend(), reason);
    }
}
