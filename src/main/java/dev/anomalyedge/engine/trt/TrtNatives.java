package dev.anomalyedge.engine.trt;

import dev.anomalyedge.util.Causes;

import dev.anomalyedge.engine.EngineException;
import org.bytedeco.cuda.cudart.cudaDeviceProp;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.tensorrt.global.nvinfer;
import org.bytedeco.tensorrt.global.nvonnxparser;
import org.jboss.logging.Logger;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.bytedeco.cuda.global.cudart.cudaGetDeviceCount;
import static org.bytedeco.cuda.global.cudart.cudaGetDeviceProperties;
import static org.bytedeco.cuda.global.cudart.cudaSuccess;

/**
 * Loads the CUDA runtime and TensorRT natives (JavaCPP {@code cuda} and {@code tensorrt} presets) at most once per
 * process and remembers the outcome.
 *
 * <p>Steps, each of which ends the probe with a reason when it fails:
 * <ol>
 * <li>the NVIDIA driver: {@code libcuda.so.1} on the linker's search path, {@code /proc/driver/nvidia} or
 *     {@code /dev/nvidiactl}. Without any of them nothing is loaded, so a GPU-less box maps no CUDA library (a CUDA
 *     toolkit installed there included);</li>
 * <li>the CUDA runtime ({@code libcudart.so.13}, host or -Pgpu jar) and device 0;</li>
 * <li>TensorRT: exactly {@code libnvinfer.so.10} and {@code libnvonnxparser.so.10} with their JNI glue. The presets
 *     also declare cuBLAS, cuDNN and NVRTC (and the plugin library) as dependencies; JavaCPP would initialise those
 *     presets first and fail without {@code libcublas.so.13} / {@code libcudnn*.so.9}, which inference never calls and
 *     the -Pgpu jars do not carry. {@link #initialiseWithoutNatives} initialises those preset classes without their
 *     JNI libraries, so TensorRT needs only what it links. JavaCPP still preloads the optional libraries it finds
 *     (NVRTC, the plugin library, the PTX builder resource) and passes over those it does not.</li>
 * </ol>
 * A missing library is named in the reason, each of them, with where it was looked for.
 *
 * <p>The probe never throws and is never retried: after a failed {@code Loader.load} JavaCPP's preset class stays
 * uninitialised and every later touch throws an opaque {@code NoClassDefFoundError} (docs/runtime-notes.md §2.2, §3.1).
 * The device used is CUDA device 0.
 */
public final class TrtNatives {
    private static final Logger LOG = Logger.getLogger(TrtNatives.class);
    private static final int DEVICE = 0;
    private static final Once<TrtAvailability> PROBE = new Once<>(TrtNatives::load);

    /** The driver library; the dynamic linker has to find it (it never comes with the application). */
    static final String DRIVER = "libcuda.so.1";
    static final String CUDART = "libcudart.so.13";
    /** What inference and plan building link; the plugin library is not needed by the scoring graph. */
    static final List<String> TENSORRT = List.of("libnvinfer.so.10", "libnvonnxparser.so.10");
    /** Preset classes TensorRT's presets inherit whose JNI libraries inference never uses. */
    static final List<String> UNUSED_PRESETS = List.of("org.bytedeco.cuda.global.cublas", "org.bytedeco.cuda.global.cudnn",
            "org.bytedeco.cuda.global.nvrtc", "org.bytedeco.tensorrt.global.nvinfer_plugin");
    private static final String LOAD_LIBRARIES = "org.bytedeco.javacpp.loadLibraries";

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
            a = loadUnchecked(LibrarySearch.standard());
        } catch (Throwable t) { // includes LinkageError: nothing may escape, the result is remembered instead
            a = TrtAvailability.unavailable("probing the GPU failed: " + Causes.chain(t), null);
        }
        long ms = (System.nanoTime() - start) / 1_000_000;
        if (a.available()) LOG.infof("TensorRT natives loaded in %d ms: %s", ms, a.reason());
        else LOG.infof("TensorRT unavailable (probe took %d ms): %s", ms, a.reason());
        return a;
    }

    private static TrtAvailability loadUnchecked(LibrarySearch search) {
        // 0. the driver, before anything is loaded
        String noDriver = noDriver(search, Path.of("/proc/driver/nvidia"), Path.of("/dev/nvidiactl"));
        if (noDriver != null) return TrtAvailability.unavailable(noDriver, null);
        // 1. the CUDA runtime's JNI library; it links libcuda.so.1 (the driver) and libcudart.so.13
        List<String> missing = search.missing(List.of(DRIVER, CUDART), f -> !f.equals(DRIVER) && bundled("cuda", f));
        try {
            Loader.load(cudart.class);
        } catch (Throwable t) {
            return TrtAvailability.unavailable("cannot load the CUDA runtime natives" + missingText(missing, search) + ": " + Causes.chain(t), null);
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
        missing = search.missing(TENSORRT, f -> bundled("tensorrt", f));
        try {
            loadTensorRt();
        } catch (Throwable t) {
            return TrtAvailability.unavailable("GPU " + device + " found, but TensorRT cannot be loaded" + missingText(missing, search) + ": "
                    + Causes.chain(t), device);
        }
        return TrtAvailability.available(device, tensorRtVersion());
    }

    /**
     * Null where an NVIDIA driver is present, else the reason: no {@code libcuda.so.1} in {@code search} and neither
     * {@code procDriver} nor {@code deviceNode} exists.
     */
    static String noDriver(LibrarySearch search, Path procDriver, Path deviceNode) {
        if (search.find(DRIVER).isPresent() || Files.exists(procDriver) || Files.exists(deviceNode)) return null;
        return "no NVIDIA driver: " + DRIVER + " is not in " + search.describe() + ", and there is no " + procDriver + " or "
                + deviceNode + " (nothing was loaded)";
    }

    /** Loads TensorRT's two libraries and their JNI glue, without the cuBLAS/cuDNN/NVRTC/plugin JNI glue. Needs cudart loaded. */
    static void loadTensorRt() {
        initialiseWithoutNatives(UNUSED_PRESETS);
        Loader.load(nvinfer.class);
        Loader.load(nvonnxparser.class);
    }

    /** "10.15.1.29" of the loaded libnvinfer. */
    static String tensorRtVersion() {
        return nvinfer.getInferLibMajorVersion() + "." + nvinfer.getInferLibMinorVersion() + "."
                + nvinfer.getInferLibPatchVersion() + "." + nvinfer.getInferLibBuildVersion();
    }

    /**
     * Initialises JavaCPP preset classes with library loading switched off ({@code org.bytedeco.javacpp.loadLibraries}),
     * so that their static {@code Loader.load()} returns at once and later presets that inherit them do not load their
     * JNI libraries either. Their native methods must never be called. The switch is process-wide while it is off:
     * this runs once, in the probe, under JavaCPP's loader lock; a JavaCPP preset initialised by another thread at
     * that very moment would not load its natives. Classes already initialised are left as they are.
     */
    static void initialiseWithoutNatives(List<String> classNames) {
        ClassLoader cl = nvinfer.class.getClassLoader();
        synchronized (Loader.class) {
            String before = System.getProperty(LOAD_LIBRARIES);
            System.setProperty(LOAD_LIBRARIES, "false");
            try {
                for (String name : classNames) {
                    try {
                        Class.forName(name, true, cl);
                    } catch (ClassNotFoundException e) {
                        throw new EngineException("JavaCPP preset class " + name + " is not on the class path", e);
                    }
                }
            } finally {
                if (before == null) System.clearProperty(LOAD_LIBRARIES);
                else System.setProperty(LOAD_LIBRARIES, before);
            }
        }
    }

    /** Whether a -Pgpu redist jar carries {@code fileName} for this platform (e.g. org/bytedeco/tensorrt/linux-x86_64/libnvinfer.so.10). */
    static boolean bundled(String preset, String fileName) {
        return TrtNatives.class.getClassLoader().getResource("org/bytedeco/" + preset + "/" + Loader.getPlatform() + "/" + fileName) != null;
    }

    private static String missingText(List<String> missing, LibrarySearch search) {
        return missing.isEmpty() ? "" : " (missing " + String.join(", ", missing) + ": not bundled and not in " + search.describe() + ")";
    }

}
