package dev.anomalyedge.engine.trt;

import dev.anomalyedge.engine.EngineException;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;

import static org.bytedeco.cuda.global.cudart.cudaFree;
import static org.bytedeco.cuda.global.cudart.cudaFreeHost;
import static org.bytedeco.cuda.global.cudart.cudaGetErrorName;
import static org.bytedeco.cuda.global.cudart.cudaGetErrorString;
import static org.bytedeco.cuda.global.cudart.cudaMalloc;
import static org.bytedeco.cuda.global.cudart.cudaMallocHost;
import static org.bytedeco.cuda.global.cudart.cudaStreamCreate;
import static org.bytedeco.cuda.global.cudart.cudaStreamDestroy;
import static org.bytedeco.cuda.global.cudart.cudaSuccess;

/** Checks CUDA runtime status codes where they are returned and names the failed operation; streams and buffers owned by a {@link NativeStack}. */
final class Cuda {
    private Cuda() {}

    /** Throws an {@link EngineException} naming {@code operation} unless {@code status} is cudaSuccess. */
    static void check(int status, String operation) {
        if (status != cudaSuccess) throw new EngineException(describe(status, operation));
    }

    /** "CUDA cudaMalloc(input 'image', 1.2 MiB) failed: cudaErrorMemoryAllocation (2): out of memory". Needs the cudart natives. */
    static String describe(int status, String operation) {
        return message(operation, status, string(cudaGetErrorName(status)), string(cudaGetErrorString(status)));
    }

    /** The message of a failed CUDA call, from its parts (no natives needed). */
    static String message(String operation, int status, String name, String description) {
        return "CUDA " + operation + " failed: " + (name == null ? "error" : name) + " (" + status + ")"
                + (description == null || description.isBlank() ? "" : ": " + description);
    }

    /** A new CUDA stream, destroyed when {@code natives} closes; {@code owner} names it in errors. */
    static CUstream_st stream(NativeStack natives, String owner) {
        CUstream_st stream = new CUstream_st();
        check(cudaStreamCreate(stream), "cudaStreamCreate (" + owner + ")");
        natives.push("CUDA stream", () -> check(cudaStreamDestroy(stream), "cudaStreamDestroy (" + owner + ")"));
        return stream;
    }

    /** {@code bytes} of device memory, freed when {@code natives} closes; {@code what} names it in errors. */
    static Pointer deviceBuffer(NativeStack natives, String what, long bytes) {
        String named = what + ", " + bytes(bytes);
        Pointer p = new Pointer();
        check(cudaMalloc(p, bytes), "cudaMalloc(" + named + ")");
        natives.push("device buffer " + named, () -> check(cudaFree(p), "cudaFree(" + named + ")"));
        return p;
    }

    /** {@code floats} floats of pinned host memory, freed when {@code natives} closes; {@code what} names it in errors. */
    static FloatPointer pinnedFloats(NativeStack natives, String what, long floats) {
        String named = what + ", " + bytes(floats * Float.BYTES);
        Pointer p = new Pointer();
        check(cudaMallocHost(p, floats * Float.BYTES), "cudaMallocHost(" + named + ")");
        natives.push("pinned host buffer " + named, () -> check(cudaFreeHost(p), "cudaFreeHost(" + named + ")"));
        return new FloatPointer(p).capacity(floats);
    }

    private static String string(BytePointer p) {
        return p == null || p.isNull() ? null : p.getString(); // static strings owned by the CUDA runtime: never freed
    }

    /** Human-readable bytes for messages: "1.5 MiB". */
    static String bytes(long n) {
        if (n < 1024) return n + " B";
        if (n < 1L << 20) return String.format(java.util.Locale.ROOT, "%.1f KiB", n / 1024.0);
        if (n < 1L << 30) return String.format(java.util.Locale.ROOT, "%.1f MiB", n / (double) (1L << 20));
        return String.format(java.util.Locale.ROOT, "%.2f GiB", n / (double) (1L << 30));
    }
}
