package dev.anomalyedge.engine.trt;

import dev.anomalyedge.engine.EngineException;
import org.bytedeco.cuda.cudart.cudaDeviceProp;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.tensorrt.global.nvinfer;
import org.bytedeco.tensorrt.global.nvonnxparser;
import org.jboss.logging.Logger;

import static org.bytedeco.cuda.global.cudart.cudaGetDeviceCount;
import static org.bytedeco.cuda.global.cudart.cudaGetDeviceProperties;
import static org.bytedeco.cuda.global.cudart.cudaSuccess;

/**
 * Loads the CUDA runtime and TensorRT natives (JavaCPP {@code cuda} and {@code tensorrt} presets) at most once per
 * process and remembers the outcome.
 *
 * <p>The probe never throws: a missing driver ({@code libcuda.so.1}), a box without a GPU or without TensorRT
 * ({@code libnvinfer.so.10}) gives an unavailable {@link TrtAvailability} whose reason carries the root cause. It is
 * never retried: after a failed {@code Loader.load} JavaCPP's preset class stays uninitialised and every later touch
 * throws an opaque {@code NoClassDefFoundError} (docs/dependencies.md section 3).
 *
 * <p>The device used is CUDA device 0.
 */
public final class TrtNatives {
    private static final Logger LOG = Logger.getLogger(TrtNatives.class);
    private static final int DEVICE = 0;
    private static final Once<TrtAvailability> PROBE = new Once<>(TrtNatives::load);

    private TrtNatives() {}

    /** Loads the natives on the first call (about 0.1–2 s), then returns the remembered result. */
    public static TrtAvailability probe() {
        return PROBE.get();
    }

    /** How many times the loading code ran in this process (0 or 1). */
    static int probeRuns() {
        return PROBE.runs();
    }

    /** The probe result if TensorRT is usable; otherwise an {@link EngineException} with the probe's reason. */
    public static TrtAvailability require() {
        TrtAvailability a = probe();
        if (!a.available()) throw new EngineException("TensorRT is not available: " + a.reason());
        return a;
    }

    private static TrtAvailability load() {
        long start = System.nanoTime();
        TrtAvailability a;
        try {
            a = loadUnchecked();
        } catch (Throwable t) { // includes LinkageError: nothing may escape, the result is remembered instead
            a = TrtAvailability.unavailable("probing the GPU failed: " + causes(t), null);
        }
        long ms = (System.nanoTime() - start) / 1_000_000;
        if (a.available()) LOG.infof("TensorRT natives loaded in %d ms: %s", ms, a.reason());
        else LOG.infof("TensorRT unavailable (probe took %d ms): %s", ms, a.reason());
        return a;
    }

    private static TrtAvailability loadUnchecked() {
        // 1. the CUDA runtime's JNI library; it links libcuda.so.1 (the driver) and libcudart.so.13
        try {
            Loader.load(cudart.class);
        } catch (Throwable t) {
            return TrtAvailability.unavailable("cannot load the CUDA runtime natives: " + causes(t), null);
        }
        int[] count = {0};
        int status = cudaGetDeviceCount(count);
        if (status != cudaSuccess) return TrtAvailability.unavailable("no usable CUDA GPU: " + Cuda.describe(status, "cudaGetDeviceCount"), null);
        if (count[0] < 1) return TrtAvailability.unavailable("no CUDA GPU: cudaGetDeviceCount found 0 devices", null);
        GpuDevice device;
        try (cudaDeviceProp p = new cudaDeviceProp()) {
            status = cudaGetDeviceProperties(p, DEVICE);
            if (status != cudaSuccess) {
                return TrtAvailability.unavailable(Cuda.describe(status, "cudaGetDeviceProperties(device " + DEVICE + ")"), null);
            }
            device = new GpuDevice(DEVICE, p.name().getString().trim(), p.major(), p.minor(), p.totalGlobalMem());
        }
        // 2. TensorRT: libnvinfer.so.10 and libnvonnxparser.so.10 (host install or the -Pgpu redist jar)
        try {
            Loader.load(nvinfer.class);
            Loader.load(nvonnxparser.class);
        } catch (Throwable t) {
            return TrtAvailability.unavailable("GPU " + device + " found, but TensorRT cannot be loaded: " + causes(t), device);
        }
        String version = nvinfer.getInferLibMajorVersion() + "." + nvinfer.getInferLibMinorVersion() + "."
                + nvinfer.getInferLibPatchVersion() + "." + nvinfer.getInferLibBuildVersion();
        return TrtAvailability.available(device, version);
    }

    /** "outer <- cause <- root cause" on one line: the root usually names the missing shared library. */
    static String causes(Throwable t) {
        StringBuilder sb = new StringBuilder(String.valueOf(t));
        for (Throwable c = t.getCause(); c != null && c != t; t = c, c = c.getCause()) sb.append(" <- ").append(c);
        return sb.toString();
    }
}
