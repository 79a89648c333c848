package dev.anomalyedge.engine.ort;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.anomalyedge.engine.EngineException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The process's one ONNX Runtime environment, created once and never closed (ONNX Runtime allows one per process).
 *
 * <p>It is created on a thread of its own with a large stack. ONNX Runtime 1.29 reads the process's command line while
 * it creates its environment, with a recursion whose depth grows with the command line's length: on a default 1 MiB
 * Java thread stack a command line of about 4 KB (e.g. {@code inspect} with fifty image paths, or a long class path)
 * overflows it and the JVM dies with SIGSEGV. Measured: 2,000 characters pass, 4,000 crash; on a 16 MiB stack 12,000
 * pass. The stack given here grows with the command line (1 KiB per byte, 64 MiB at least). Sessions created and run on
 * ordinary threads afterwards are unaffected.
 */
public final class OrtRuntime {
    private static final long MIN_STACK = 64L << 20;
    private static final long MAX_STACK = 1L << 30;
    private static volatile OrtEnvironment environment;

    private OrtRuntime() {}

    /** The environment, created on first use. Thread-safe. */
    public static OrtEnvironment environment() {
        OrtEnvironment env = environment;
        if (env != null) return env;
        synchronized (OrtRuntime.class) {
            if (environment == null) environment = create();
            return environment;
        }
    }

    /**
     * The options of every session of ours: {@code intraOpThreads} intra-op threads, one inter-op thread, all graph
     * optimisations, and idle intra-op threads that sleep instead of spinning (on the shared 2-core box spinning cost
     * about 17 % more CPU seconds per image, full-size INT8 at load average 10: 7.2 → 5.9 CPU s/image, and wall time
     * was not worse; idle, FP32 went from 6.06 to 5.63 s/image). The caller owns and closes them.
     */
    static OrtSession.SessionOptions sessionOptions(int intraOpThreads) throws OrtException {
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        try {
            options.setIntraOpNumThreads(intraOpThreads);
            options.setInterOpNumThreads(1);
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            options.addConfigEntry("session.intra_op.allow_spinning", "0");
            return options;
        } catch (OrtException | RuntimeException e) {
            options.close();
            throw e;
        }
    }

    /** Stack for the creating thread: 1 KiB per byte of the command line, within [64 MiB, 1 GiB]. */
    static long stackFor(long commandLineBytes) {
        return Math.max(MIN_STACK, Math.min(MAX_STACK, commandLineBytes << 10));
    }

    private static long commandLineBytes() {
        try {
            return Files.readAllBytes(Path.of("/proc/self/cmdline")).length; // its size is not known before reading
        } catch (IOException | UnsupportedOperationException e) {
            return 0; // not Linux: the minimum stack
        }
    }

    private static OrtEnvironment create() {
        AtomicReference<OrtEnvironment> created = new AtomicReference<>();
        AtomicReference<Throwable> failed = new AtomicReference<>();
        Thread t = new Thread(null, () -> {
            try {
                created.set(OrtEnvironment.getEnvironment());
            } catch (Throwable e) {
                failed.set(e);
            }
        }, "onnxruntime-init", stackFor(commandLineBytes()));
        t.start();
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EngineException("interrupted while ONNX Runtime was starting");
        }
        if (failed.get() != null) throw new EngineException("ONNX Runtime cannot start: " + failed.get(), failed.get());
        return created.get();
    }
}
