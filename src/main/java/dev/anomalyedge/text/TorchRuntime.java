package dev.anomalyedge.text;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.pytorch.global.torch;

/**
 * Loads libtorch (JavaCPP {@code pytorch} preset, CPU) exactly once per JVM.
 *
 * <p>All native libraries of the preset are extracted into the JavaCPP cache <em>before</em> the first load. Without
 * that, on an empty cache JavaCPP extracts and loads {@code libtorch.so} before {@code libtorch_cpu.so} is there, the
 * dynamic linker picks up a system {@code libtorch_cpu.so} (Debian's libtorch 1.13) instead, and the JVM dies with
 * SIGSEGV in {@code pthread_mutex_lock} (docs/dependencies.md section 3).
 *
 * <p>A failed load is remembered: every later call throws the same clear error instead of JavaCPP's
 * {@code NoClassDefFoundError: Could not initialize class}.
 */
public final class TorchRuntime {
    private static final Object LOCK = new Object();
    private static volatile boolean loaded;
    private static IllegalStateException failure;

    private TorchRuntime() {}

    /** Loads libtorch if not yet done; idempotent and thread-safe. Throws {@link IllegalStateException} if it cannot. */
    public static void ensureLoaded() {
        if (loaded) return;
        synchronized (LOCK) {
            if (loaded) return;
            if (failure != null) throw failure;
            try {
                String platform = Loader.getPlatform();
                Loader.cacheResources(torch.class, "/org/bytedeco/pytorch/" + platform + "/");
                Loader.load(torch.class);
                loaded = true;
            } catch (Throwable t) {
                failure = new IllegalStateException("cannot load libtorch (JavaCPP pytorch preset for "
                        + Loader.getPlatform() + "): " + rootMessage(t), t);
                throw failure;
            }
        }
    }

    /**
     * Sets libtorch's intra-op thread count (OpenMP). On a machine whose cores are busy with other work, libtorch's
     * spinning OpenMP workers can make small operations two orders of magnitude slower; one thread avoids that.
     */
    public static void setThreads(int threads) {
        if (threads < 1) throw new IllegalArgumentException("thread count must be >= 1, got " + threads);
        ensureLoaded();
        torch.set_num_threads(threads);
    }

    /** libtorch's current intra-op thread count. */
    public static int threads() {
        ensureLoaded();
        return torch.get_num_threads();
    }

    private static String rootMessage(Throwable t) {
        Throwable c = t;
        StringBuilder sb = new StringBuilder(String.valueOf(t));
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
            sb.append(" <- ").append(c);
        }
        return sb.toString();
    }
}
