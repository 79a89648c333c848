package dev.anomalyedge.text;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.pytorch.global.torch;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Loads libtorch (JavaCPP {@code pytorch} preset, CPU) exactly once per JVM.
 *
 * <p>All native libraries of the preset are extracted into the JavaCPP cache <em>before</em> the first load. Without
 * that, on an empty cache JavaCPP extracts and loads {@code libtorch.so} before {@code libtorch_cpu.so} is there, the
 * dynamic linker picks up a system {@code libtorch_cpu.so} (Debian's libtorch 1.13) instead, and the JVM dies with
 * SIGSEGV in {@code pthread_mutex_lock} (docs/dependencies.md section 3). The first extraction writes about 445 MB
 * to {@code ~/.javacpp/cache}.
 *
 * <p>A failed load is remembered: every later call throws the same clear {@link IllegalStateException} instead of
 * JavaCPP's {@code NoClassDefFoundError: Could not initialize class}.
 */
public final class TorchRuntime {
    private static final OnceLoader LIBTORCH = new OnceLoader(
            "libtorch (JavaCPP pytorch preset for " + Loader.getPlatform() + ")", TorchRuntime::load);

    private TorchRuntime() {}

    /** Loads libtorch if not yet done; idempotent and thread-safe. Throws {@link IllegalStateException} if it cannot. */
    public static void ensureLoaded() {
        LIBTORCH.ensure();
    }

    private static void load() {
        try {
            Loader.cacheResources(torch.class, "/org/bytedeco/pytorch/" + Loader.getPlatform() + "/");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot extract the libtorch natives into the JavaCPP cache", e);
        }
        Loader.load(torch.class);
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
}
