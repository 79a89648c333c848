package dev.anomalyedge.engine.trt;

/**
 * Whether TensorRT can run in this process, and why (not).
 *
 * @param available       the CUDA runtime, a GPU and TensorRT (nvinfer + ONNX parser) all loaded
 * @param reason          one line for logs, health and status: what was found or what failed, with the root cause
 * @param device          the GPU that would be used (null if none was found)
 * @param tensorrtVersion "major.minor.patch.build" of the loaded libnvinfer (null unless loaded)
 */
public record TrtAvailability(boolean available, String reason, GpuDevice device, String tensorrtVersion) {

    public static TrtAvailability unavailable(String reason, GpuDevice device) {
        return new TrtAvailability(false, reason, device, null);
    }

    public static TrtAvailability available(GpuDevice device, String tensorrtVersion) {
        return new TrtAvailability(true, "TensorRT " + tensorrtVersion + " on " + device, device, tensorrtVersion);
    }

    /** "10.15.1" from "10.15.1.29": the part that goes into plan file names. */
    public String tensorrtRelease() {
        if (tensorrtVersion == null) return null;
        String[] p = tensorrtVersion.split("\\.");
        return p.length <= 3 ? tensorrtVersion : p[0] + "." + p[1] + "." + p[2];
    }
}
