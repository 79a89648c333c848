package dev.anomalyedge.engine.trt;

/**
 * The JSON file written next to a plan: what it was built from, for what, and how long it took. A plan is used only
 * if its sidecar matches the running box and bundle ({@link PlanCache#differences}).
 *
 * @param format            sidecar format version ({@link #FORMAT})
 * @param plan              the plan's file name (same folder)
 * @param planBytes         the plan's size; a different size on disk means a torn or replaced file
 * @param tensorrtVersion   TensorRT that built it, major.minor.patch.build
 * @param gpuName           GPU it was built on
 * @param computeCapability e.g. "9.0"
 * @param precision         "fp16" or "fp32"
 * @param onnxSha256        {@link ModelDigest} of the bundle's ONNX model (+ external data) it was built from
 * @param profile           optimisation profile over the batch axis
 * @param workspaceBytes    builder workspace limit
 * @param fp32Layers        layers kept in FP32 in an FP16 plan
 * @param buildSeconds      wall time of the build (parse to serialised plan)
 * @param builtAt           ISO-8601 instant the plan was written
 */
public record PlanSidecar(int format, String plan, long planBytes, String tensorrtVersion, String gpuName,
                          String computeCapability, String precision, String onnxSha256, BatchProfile profile,
                          long workspaceBytes, int fp32Layers, double buildSeconds, String builtAt) {
    public static final int FORMAT = 1;
}
