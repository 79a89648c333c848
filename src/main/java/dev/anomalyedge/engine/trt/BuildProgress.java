package dev.anomalyedge.engine.trt;

import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Shows the progress of a plan build, which takes minutes for ViT-L. The JavaCPP 1.5.13 preset maps TensorRT's
 * {@code IProgressMonitor} but does not make it subclassable (no virtual callbacks), so the build reports its own
 * phases (parse, configure, build, serialise, write) with their durations, and a heartbeat line every few seconds
 * during the long ones, naming the phase and the time spent so far.
 */
public final class BuildProgress implements AutoCloseable {
    private final String what;
    private final Consumer<String> sink;
    private final LongSupplier nanoClock;
    private final long start;
    private final ScheduledExecutorService heartbeat;
    private volatile String phase = "starting";
    private volatile long phaseStart;

    /**
     * @param what          e.g. "TensorRT fp16 plan for visual.onnx"
     * @param sink          where lines go (a logger)
     * @param heartbeatEvery interval of "still in phase X" lines; zero or negative for none
     */
    public BuildProgress(String what, Consumer<String> sink, Duration heartbeatEvery) {
        this(what, sink, heartbeatEvery, System::nanoTime);
    }

    BuildProgress(String what, Consumer<String> sink, Duration heartbeatEvery, LongSupplier nanoClock) {
        this.what = what;
        this.sink = sink;
        this.nanoClock = nanoClock;
        this.start = nanoClock.getAsLong();
        this.phaseStart = start;
        if (heartbeatEvery.isZero() || heartbeatEvery.isNegative()) {
            heartbeat = null;
        } else {
            heartbeat = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "trt-build-progress");
                t.setDaemon(true);
                return t;
            });
            long ms = heartbeatEvery.toMillis();
            heartbeat.scheduleAtFixedRate(this::beat, ms, ms, TimeUnit.MILLISECONDS);
        }
        sink.accept(what + ": started");
    }

    /** One phase; closing it reports its duration. */
    public interface Phase extends AutoCloseable {
        @Override
        void close();
    }

    /** Starts {@code name}: "… [2/5] build engine". */
    public Phase phase(String name) {
        phase = name;
        phaseStart = nanoClock.getAsLong();
        sink.accept(what + ": " + name + " …");
        long begin = phaseStart;
        return () -> sink.accept(what + ": " + name + " done in " + seconds(nanoClock.getAsLong() - begin) + " s");
    }

    /** A line of its own (e.g. "kept 98 of 2410 layers in FP32"). */
    public void note(String line) {
        sink.accept(what + ": " + line);
    }

    /** Seconds since the build started. */
    public double elapsedSeconds() {
        return (nanoClock.getAsLong() - start) / 1e9;
    }

    void beat() {
        long now = nanoClock.getAsLong();
        sink.accept(what + ": still in '" + phase + "' (" + seconds(now - phaseStart) + " s in this phase, "
                + seconds(now - start) + " s in all)");
    }

    /** True once no heartbeat line can come any more. */
    boolean heartbeatStopped() {
        return heartbeat == null || heartbeat.isTerminated();
    }

    @Override
    public void close() {
        if (heartbeat != null) {
            heartbeat.shutdownNow();
            try {
                heartbeat.awaitTermination(1, TimeUnit.SECONDS); // a beat in progress finishes before "finished"
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        sink.accept(what + ": finished after " + seconds(nanoClock.getAsLong() - start) + " s");
    }

    private static String seconds(long nanos) {
        return String.format(Locale.ROOT, "%.1f", nanos / 1e9);
    }
}
