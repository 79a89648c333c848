package dev.anomalyedge.engine.select;

import dev.anomalyedge.engine.EngineException;
import dev.anomalyedge.engine.trt.BatchProfile;
import dev.anomalyedge.engine.trt.TrtPrecision;

/**
 * How the inference backend is chosen and how a TensorRT plan is built.
 *
 * @param mode           auto | tensorrt | onnxruntime
 * @param buildIfMissing build (or rebuild) a TensorRT plan whose sidecar is missing or does not match; if false, auto
 *                       falls back to ONNX Runtime and tensorrt fails
 * @param precision      fp16 (default) or fp32
 * @param optBatch       batch size the plan's kernels are tuned for
 * @param maxBatch       largest batch the plan accepts (profile max); larger calls are split
 * @param workspaceBytes TensorRT builder workspace limit
 * @param trtWorkers     TensorRT execution contexts that may run concurrently
 */
public record EngineSettings(EngineMode mode, boolean buildIfMissing, TrtPrecision precision, int optBatch, int maxBatch,
                             long workspaceBytes, int trtWorkers) {
    public static final long DEFAULT_WORKSPACE = 4L << 30;

    public EngineSettings {
        if (mode == null) throw new EngineException("engine mode must be set");
        if (precision == null) throw new EngineException("engine precision must be set");
        new BatchProfile(1, optBatch, maxBatch); // validates 1 <= opt <= max <= LIMIT
        if (workspaceBytes < (1L << 20)) throw new EngineException("TensorRT workspace must be at least 1 MiB, got " + workspaceBytes + " bytes");
        if (trtWorkers < 1) throw new EngineException("TensorRT workers must be >= 1, got " + trtWorkers);
    }

    /** auto, build if missing, fp16, opt 8, max 32, 4 GiB workspace, one worker. */
    public static EngineSettings defaults() {
        return new EngineSettings(EngineMode.AUTO, true, TrtPrecision.FP16, 8, 32, DEFAULT_WORKSPACE, 1);
    }

    public EngineSettings withMode(EngineMode m) {
        return new EngineSettings(m, buildIfMissing, precision, optBatch, maxBatch, workspaceBytes, trtWorkers);
    }

    public EngineSettings withBuildIfMissing(boolean b) {
        return new EngineSettings(mode, b, precision, optBatch, maxBatch, workspaceBytes, trtWorkers);
    }

    public EngineSettings withPrecision(TrtPrecision p) {
        return new EngineSettings(mode, buildIfMissing, p, optBatch, maxBatch, workspaceBytes, trtWorkers);
    }

    /** Max batch {@code max}; opt is clamped to it. */
    public EngineSettings withMaxBatch(int max) {
        return new EngineSettings(mode, buildIfMissing, precision, Math.max(1, Math.min(optBatch, max)), max, workspaceBytes, trtWorkers);
    }

    public EngineSettings withOptBatch(int opt) {
        return new EngineSettings(mode, buildIfMissing, precision, opt, maxBatch, workspaceBytes, trtWorkers);
    }

    public EngineSettings withWorkspaceBytes(long bytes) {
        return new EngineSettings(mode, buildIfMissing, precision, optBatch, maxBatch, bytes, trtWorkers);
    }

    public EngineSettings withTrtWorkers(int workers) {
        return new EngineSettings(mode, buildIfMissing, precision, optBatch, maxBatch, workspaceBytes, workers);
    }

    /** The plan's optimisation profile: min 1, opt, max. */
    public BatchProfile profile() {
        return new BatchProfile(1, optBatch, maxBatch);
    }
}
