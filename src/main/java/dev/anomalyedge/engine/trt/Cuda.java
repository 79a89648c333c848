package dev.anomalyedge.engine.trt;

import dev.anomalyedge.engine.EngineException;
import org.bytedeco.javacpp.BytePointer;

import static org.bytedeco.cuda.global.cudart.cudaGetErrorName;
import static org.bytedeco.cuda.global.cudart.cudaGetErrorString;
import static org.bytedeco.cuda.global.cudart.cudaSuccess;

/** Checks CUDA runtime status codes where they are returned and names the failed operation. */
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
