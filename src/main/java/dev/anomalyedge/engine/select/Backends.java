package dev.anomalyedge.engine.select;

import dev.anomalyedge.engine.AnomalyEngine;
import dev.anomalyedge.engine.BankSearch;
import dev.anomalyedge.engine.ort.OrtAnomalyEngine;
import dev.anomalyedge.engine.trt.ModelDigest;
import dev.anomalyedge.engine.trt.PlanBuildProcess;
import dev.anomalyedge.engine.trt.PlanCache;
import dev.anomalyedge.engine.trt.TrtAnomalyEngine;
import dev.anomalyedge.engine.trt.TrtAvailability;
import dev.anomalyedge.engine.trt.TrtFewShotHead;
import dev.anomalyedge.engine.trt.TrtNatives;
import dev.anomalyedge.engine.trt.TrtPlanBuilder;

import java.nio.file.Path;

/**
 * The operations selection needs from the backends. {@link #real()} opens real engines; tests pass fakes so the
 * selection logic runs without natives.
 */
public interface Backends {
    /** Opens the bundle's ONNX model with ONNX Runtime on the CPU. */
    AnomalyEngine openOnnxRuntime(Path model);

    /** Opens a TensorRT plan for batches up to {@code settings.maxBatch()} with {@code settings.trtWorkers()} contexts. */
    AnomalyEngine openTensorRt(Path plan, EngineSettings settings);

    /** Builds the bundle's TensorRT plan and its sidecar (minutes), in a child JVM ({@link PlanBuildProcess}). */
    TrtPlanBuilder.Result buildPlan(Path bundleDir, EngineSettings settings);

    /**
     * The bundle's few-shot head plan for {@code trt}'s GPU, opened, or null when none was built for it (recipes' banks
     * are then searched on the host). Fakes have none.
     */
    default BankSearch openFewShotHead(Path bundleDir, TrtAvailability trt) {
        return null;
    }

    /** The digest the plan sidecar records for the model ({@link ModelDigest#sha256}). */
    String digest(Path model);

    static Backends real() {
        return real(0);
    }

    /** The real backends; {@code ortThreads} ONNX Runtime intra-op threads (0 = one per core). */
    static Backends real(int ortThreads) {
        return new Backends() {
            @Override
            public AnomalyEngine openOnnxRuntime(Path model) {
                return ortThreads > 0 ? OrtAnomalyEngine.open(model, ortThreads) : OrtAnomalyEngine.open(model);
            }

            @Override
            public AnomalyEngine openTensorRt(Path plan, EngineSettings s) {
                return TrtAnomalyEngine.open(plan, s.maxBatch(), s.trtWorkers());
            }

            @Override
            public TrtPlanBuilder.Result buildPlan(Path bundleDir, EngineSettings s) {
                return PlanBuildProcess.build(new PlanBuildProcess.Request(bundleDir, s.precision(), s.profile(), s.workspaceBytes(), true),
                        TrtNatives.require(), PlanBuildProcess.DEFAULT_TIMEOUT);
            }

            @Override
            public BankSearch openFewShotHead(Path bundleDir, TrtAvailability trt) {
                return TrtFewShotHead.openIfBuilt(bundleDir, trt);
            }

            @Override
            public String digest(Path model) {
                return ModelDigest.sha256(model);
            }
        };
    }

    /** The bundle's model file. */
    static Path model(Path bundleDir) {
        return bundleDir.resolve(PlanCache.MODEL_FILE);
    }
}
