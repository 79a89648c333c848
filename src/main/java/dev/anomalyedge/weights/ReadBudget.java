package dev.anomalyedge.weights;

import dev.anomalyedge.tensor.DType;

import java.nio.file.Path;

/**
 * The heap one read of one checkpoint file may fill: parsed headers and pickles, raw storage bytes and decoded
 * tensors are charged before they are allocated, so a hostile or corrupt file ends in a {@link CheckpointException}
 * instead of an {@link OutOfMemoryError} that would take the service down. What is dropped during the read (a
 * storage after its last view) is released again.
 *
 * <p>The limit is the smaller of
 * <ul>
 *   <li>{@value #FILE_MULTIPLE} × the file size, at least {@value #FLOOR_MIB} MiB: a real checkpoint decodes to at
 *       most 8× its size (int8 widened to int64; fp16 to float32 is 2×), so more means aliased, inflated or
 *       expanded data;</li>
 *   <li>three quarters of the JVM's maximum heap ({@code -Xmx}): beyond it the read would run out of memory.</li>
 * </ul>
 */
final class ReadBudget {
    static final int FILE_MULTIPLE = 16;
    static final long FLOOR_MIB = 64;

    private final Path file;
    private final long fileSize;
    private final long limit;
    private final boolean heapBound;
    private long used;

    ReadBudget(Path file, long fileSize, long maxHeap) {
        this.file = file;
        this.fileSize = fileSize;
        long bySize = Math.max(FLOOR_MIB << 20, multiplySaturated(fileSize, FILE_MULTIPLE));
        long byHeap = maxHeap / 4 * 3;
        this.limit = Math.min(bySize, byHeap);
        this.heapBound = byHeap < bySize;
    }

    /** The budget for reading {@code file} of {@code fileSize} bytes in this JVM. */
    static ReadBudget forFile(Path file, long fileSize) {
        return new ReadBudget(file, fileSize, Runtime.getRuntime().maxMemory());
    }

    long limit() { return limit; }

    long used() { return used; }

    /** Accounts for {@code bytes} of heap that {@code what} will take, or fails naming the file and the limit. */
    void charge(long bytes, String what) {
        long total = bytes < 0 || bytes > Long.MAX_VALUE - used ? Long.MAX_VALUE : used + bytes;
        if (total > limit) {
            String why = heapBound
                    ? "3/4 of the Java heap; give the JVM more heap with -Xmx if the file is genuine"
                    : "at most " + FILE_MULTIPLE + "x its size of " + fileSize + " bytes and at least " + FLOOR_MIB
                      + " MiB; a genuine checkpoint needs far less, so the file is corrupt or hostile";
            throw new CheckpointException(file + ": " + what + " would need " + mib(bytes) + " of memory"
                    + (used >= (1 << 20) ? " (" + mib(total) + " with what is read so far)" : "") + ", more than the "
                    + mib(limit) + " allowed for reading this file: " + why);
        }
        used = total;
    }

    /** Gives back a charge whose memory the read no longer holds. */
    void release(long bytes) {
        used = Math.max(0, used - bytes);
    }

    /** Heap bytes of {@code numel} elements of {@code dtype} once decoded: float32 for floating types, else int64. */
    static long decodedBytes(DType dtype, long numel) {
        return multiplySaturated(numel, dtype.floating ? Float.BYTES : Long.BYTES);
    }

    static long multiplySaturated(long a, long b) {
        try {
            return Math.multiplyExact(a, b);
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    private static String mib(long bytes) {
        if (bytes == Long.MAX_VALUE) return "more than 8 EiB";
        return bytes < (1 << 20) ? bytes + " bytes" : String.format(java.util.Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }
}
