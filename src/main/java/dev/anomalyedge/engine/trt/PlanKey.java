package dev.anomalyedge.engine.trt;

import java.util.Objects;

/**
 * What a TensorRT plan is only valid for: the exact TensorRT version, the GPU model and compute capability, and the
 * precision it was built with.
 *
 * @param gpuName           e.g. "NVIDIA H200"
 * @param computeCapability e.g. "9.0"
 * @param tensorrtVersion   e.g. "10.15.1.29" (major.minor.patch.build)
 * @param precision         fp16 or fp32
 */
public record PlanKey(String gpuName, String computeCapability, String tensorrtVersion, TrtPrecision precision) {
    public PlanKey {
        Objects.requireNonNull(gpuName, "gpuName");
        Objects.requireNonNull(computeCapability, "computeCapability");
        Objects.requireNonNull(tensorrtVersion, "tensorrtVersion");
        Objects.requireNonNull(precision, "precision");
    }

    /** The key for the probed GPU and TensorRT. */
    public static PlanKey of(TrtAvailability trt, TrtPrecision precision) {
        if (!trt.available()) throw new IllegalArgumentException("no plan key without TensorRT: " + trt.reason());
        return new PlanKey(trt.device().name(), trt.device().computeCapability(), trt.tensorrtVersion(), precision);
    }

    /** "nvidia-h200-sm90-trt10.15.1": GPU, compute capability and TensorRT release (the timing cache's scope). */
    public String deviceStem() {
        String[] v = tensorrtVersion.split("\\.");
        String release = v.length <= 3 ? tensorrtVersion : v[0] + "." + v[1] + "." + v[2];
        return GpuDevice.slug(gpuName) + "-sm" + computeCapability.replace(".", "") + "-trt" + release;
    }

    /** "nvidia-h200-sm90-trt10.15.1-fp16": the plan's file name without extension. */
    public String baseName() {
        return deviceStem() + "-" + precision.id();
    }
}
