package dev.anomalyedge.torch;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * Loads libtorch (JavaCPP {@code pytorch} preset, CPU) exactly once per JVM.
 *
 * <p>All native libraries of the preset are extracted into the JavaCPP cache <em>before</em> the first load. Without
 * that, on an empty cache JavaCPP extracts and loads {@code libtorch.so} before {@code libtorch_cpu.so} is there, the
 * dynamic linker picks up a system {@code libtorch_cpu.so} (Debian's libtorch 1.13) instead, and the JVM dies with
 * SIGSEGV in {@code pthread_mutex_lock} (docs/runtime-notes.md §2.1). The first extraction writes about 445 MB
 * to {@code ~/.javacpp/cache}.
 *
 * <p>A failed load is remembered: every later call throws the same clear {@link IllegalStateException} instead of
 * JavaCPP's {@code NoClassDefFoundError: Could not initialize class}.
 *
 * <p>libtorch's thread count and our device choice are process-wide. Work that depends on them (a training run, an
 * export's text encoder) holds a {@link Lease}: one at a time per process, so the service's background demo training
 * and a REST training job queue behind each other instead of overwriting each other's settings.
 */
public final class TorchRuntime {
    private static final OnceLoader LIBTORCH = new OnceLoader(
            "libtorch (JavaCPP pytorch preset for " + Loader.getPlatform() + ")", TorchRuntime::load);

    private TorchRuntime() {}

    /** Where new libtorch tensors live: null = CPU, else the CUDA device. Process-wide; see {@link #useDevice}. */
    private static volatile Device cuda;

    /** Who may use libtorch's process-wide settings now (fair: first come, first served). */
    private static final ReentrantLock LEASE = new ReentrantLock(true);

    /**
     * Exclusive use of libtorch for one piece of work, with its thread count and device. Closing it releases libtorch
     * for the next holder. A nested lease on the thread that holds one keeps the outer lease's settings.
     */
    public static final class Lease implements AutoCloseable {
        private final String device;
        private boolean closed;

        private Lease(String device) { this.device = device; }

        /** The device this lease's work creates tensors on, and why (one line for logs and manifests). */
        public String device() { return device; }

        @Override
        public void close() {
            if (closed) return;
            closed = true;
            LEASE.unlock();
        }
    }

    /**
     * Waits for libtorch to be free, then sets its thread count and device for the caller's work. Waiting ends early
     * with a {@link CancellationException} when {@code cancelled} turns true.
     *
     * @param threads    libtorch intra-op threads (≥ 1); ignored for a nested lease
     * @param deviceMode auto, cpu or cuda (see {@link #useDevice}); ignored for a nested lease
     */
    public static Lease acquire(int threads, String deviceMode, BooleanSupplier cancelled) {
        String mode = deviceMode(deviceMode);
        if (threads < 1) throw new IllegalArgumentException("thread count must be >= 1, got " + threads);
        ensureLoaded();
        boolean nested = LEASE.isHeldByCurrentThread();
        try {
            while (!LEASE.tryLock(100, TimeUnit.MILLISECONDS)) {
                if (cancelled.getAsBoolean()) throw new CancellationException("cancelled while waiting for libtorch");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CancellationException("interrupted while waiting for libtorch");
        }
        if (nested) return new Lease(deviceName() + " (held by the enclosing work)");
        try {
            applyThreads(threads);
            return new Lease(useDevice(mode));
        } catch (RuntimeException | Error e) {
            LEASE.unlock();
            throw e;
        }
    }

    /** Whether some thread holds a {@link Lease} now. */
    public static boolean leased() {
        return LEASE.isLocked();
    }

    /** Whether some thread waits for a {@link Lease} now (for tests). */
    static boolean someoneWaiting() {
        return LEASE.hasQueuedThreads();
    }

    /** Loads libtorch if not yet done; idempotent and thread-safe. Throws {@link IllegalStateException} if it cannot. */
    public static void ensureLoaded() {
        LIBTORCH.ensure();
    }

    private static void load() {
        try {
            // with the GPU natives (-Pgpu-training and -Dorg.bytedeco.javacpp.platform.extension=-gpu) they load instead
            String extension = System.getProperty("org.bytedeco.javacpp.platform.extension", "");
            if (!extension.isEmpty()) {
                Loader.cacheResources(torch.class, "/org/bytedeco/pytorch/" + Loader.getPlatform() + extension + "/");
            }
            Loader.cacheResources(torch.class, "/org/bytedeco/pytorch/" + Loader.getPlatform() + "/");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot extract the libtorch natives into the JavaCPP cache", e);
        }
        Loader.load(torch.class);
        // Before libtorch's first allocation (it reads the variable once): buffers of 2 MB and more on transparent huge
        // pages. Fresh 4 KB pages cost about 20 µs each to fault in on the microVM this was measured on, so a training
        // step's large temporaries spent more CPU in page faults than in arithmetic (README, Benchmarks). An
        // environment variable of the same name set by the operator wins.
        torch.set_env("THP_MEM_ALLOC_ENABLE", "1", false);
    }

    /**
     * Sets libtorch's intra-op thread count (OpenMP). On a machine whose cores are busy with other work, libtorch's
     * spinning OpenMP workers can make small operations two orders of magnitude slower; one thread avoids that.
     * Process-wide: the service's work sets it through {@link #acquire}; this is for single-purpose tools and tests.
     */
    public static void setThreads(int threads) {
        if (threads < 1) throw new IllegalArgumentException("thread count must be >= 1, got " + threads);
        ensureLoaded();
        applyThreads(threads);
    }

    /**
     * libtorch's intra-op threads (OpenMP) and those of the OpenBLAS that libtorch calls for its matrix products, which
     * keeps its own pool (one thread per core by default) and ignores {@code at::set_num_threads}. Left at two on a
     * 2-core machine, its spinning workers made a one-thread training step's small matrix products 3–6× more
     * expensive in CPU (README, Benchmarks).
     */
    private static void applyThreads(int threads) {
        torch.set_num_threads(threads);
        Loader.load(org.bytedeco.openblas.global.openblas_nolapack.class);
        org.bytedeco.openblas.presets.openblas_nolapack.blas_set_num_threads(threads);
    }

    /**
     * Chooses where libtorch tensors are created from now on, for the whole process: {@code cpu}, {@code cuda}
     * (fails with a clear message when libtorch sees no CUDA device) or {@code auto} (CUDA when libtorch sees one).
     * libtorch sees a CUDA device only with the GPU natives of the pytorch preset (classifier {@code linux-x86_64-gpu},
     * loaded with {@code -Dorg.bytedeco.javacpp.platform.extension=-gpu}) and CUDA 13, cuDNN 9 and NCCL on the host;
     * the default build carries the CPU natives only. Objects created on one device must not be mixed with objects
     * created after a switch, so callers choose once per run before creating any (training does it first).
     *
     * @return one line for logs and manifests: the device and why
     */
    public static synchronized String useDevice(String mode) {
        String m = deviceMode(mode);
        ensureLoaded();
        if (m.equals("cpu")) {
            cuda = null;
            return "cpu (requested)";
        }
        if (cudaAvailable()) {
            if (cuda == null) cuda = new Device(torch.DeviceType.CUDA, (byte) 0);
            return "cuda:0 (" + torch.cuda_device_count() + " CUDA device(s) visible to libtorch)";
        }
        if (m.equals("cuda")) {
            throw new IllegalStateException("device cuda was requested but libtorch sees no CUDA device: run with the"
                    + " pytorch preset's GPU natives (classifier linux-x86_64-gpu, -Dorg.bytedeco.javacpp.platform.extension=-gpu)"
                    + " on a host with CUDA 13, cuDNN 9 and NCCL, or use device auto/cpu");
        }
        cuda = null;
        return "cpu (auto: libtorch sees no CUDA device)";
    }

    /** {@code mode} checked and normalised: auto (null too), cpu or cuda; anything else is an IllegalArgumentException. */
    public static String deviceMode(String mode) {
        String m = mode == null ? "auto" : mode.trim().toLowerCase(java.util.Locale.ROOT);
        if (!m.equals("auto") && !m.equals("cpu") && !m.equals("cuda")) {
            throw new IllegalArgumentException("device must be auto, cpu or cuda, found '" + mode + "'");
        }
        return m;
    }

    /** "cpu" or "cuda:0": where new libtorch tensors are created. */
    public static String deviceName() {
        return cuda == null ? "cpu" : "cuda:0";
    }

    /** Whether new libtorch tensors are created on the CPU. */
    static boolean onCpu() {
        return cuda == null;
    }

    private static boolean cudaAvailable() {
        try {
            return torch.cuda_is_available();
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            return false; // a CPU-only build may lack the CUDA hooks altogether
        }
    }

    /**
     * {@code t} on the current device: {@code t} itself on the CPU, else a copy on the CUDA device (the CPU tensor is
     * then a temporary of the caller's PointerScope).
     */
    public static Tensor onDevice(Tensor t) {
        Device d = cuda;
        return d == null ? t : t.to(d, t.scalar_type());
    }

    /** libtorch's current intra-op thread count. */
    public static int threads() {
        ensureLoaded();
        return torch.get_num_threads();
    }
}
