package dev.anomalyedge.engine.trt;

import dev.anomalyedge.engine.EngineException;

/**
 * The optimisation profile over the batch axis of a TensorRT plan: batches of {@code min..max} images are accepted,
 * kernels are tuned for {@code opt}.
 */
public record BatchProfile(int min, int opt, int max) {
    /** The largest batch the appliance will ever build a plan for; far above anything a single GPU runs for ViT-L. */
    public static final int LIMIT = 1024;

    public BatchProfile {
        if (min < 1 || opt < min || max < opt || max > LIMIT) {
            throw new EngineException("batch profile needs 1 <= min <= opt <= max <= " + LIMIT + ", got min=" + min
                    + " opt=" + opt + " max=" + max);
        }
    }

    /** min 1, the given opt (clamped to max) and max. */
    public static BatchProfile upTo(int opt, int max) {
        if (max < 1) throw new EngineException("max batch must be >= 1, got " + max);
        return new BatchProfile(1, Math.max(1, Math.min(opt, max)), max);
    }

    @Override
    public String toString() {
        return "batch " + min + ".." + max + " (opt " + opt + ")";
    }
}
