package dev.anomalyedge.engine.trt;

import java.util.Locale;

/**
 * One CUDA device as the runtime reports it.
 *
 * @param ordinal          CUDA device index
 * @param name             e.g. "NVIDIA H200"
 * @param major            compute capability, major
 * @param minor            compute capability, minor
 * @param totalMemoryBytes global memory
 */
public record GpuDevice(int ordinal, String name, int major, int minor, long totalMemoryBytes) {

    /** "9.0" */
    public String computeCapability() {
        return major + "." + minor;
    }

    /** "90", as in sm90 */
    public String sm() {
        return major + "" + minor;
    }

    /** The name for file names: lower case, runs of anything but [a-z0-9] become one '-'; "NVIDIA H200" → "nvidia-h200". */
    public String slug() {
        return slug(name);
    }

    public static String slug(String name) {
        String s = name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-+|-+$", "");
        return s.isEmpty() ? "gpu" : s;
    }

    @Override
    public String toString() {
        return name + " (sm" + sm() + ", " + (totalMemoryBytes >> 20) + " MiB, device " + ordinal + ")";
    }
}
