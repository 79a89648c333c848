package dev.anomalyedge.engine.trt;

import dev.anomalyedge.engine.EngineException;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Runs a command to completion: its output (stdout and stderr merged) goes line by line to a sink as it comes, the
 * last lines are kept for the error message, and a run past its time limit is ended (politely, then forcibly after a
 * grace period) and reported as timed out. Used to build TensorRT plans in a short-lived JVM of their own.
 */
public final class ChildProcess {
    /** How many of the last output lines an {@link Outcome} keeps. */
    public static final int TAIL = 20;
    private static final Duration GRACE = Duration.ofSeconds(10);

    /**
     * @param exitCode the child's exit status (-1 if it was ended after a timeout)
     * @param timedOut whether the time limit ended it
     * @param tail     its last output lines, oldest first
     */
    public record Outcome(int exitCode, boolean timedOut, List<String> tail) {
        public boolean succeeded() {
            return !timedOut && exitCode == 0;
        }

        /** The tail as one line for a message: "a | b | c". */
        public String tailText() {
            return String.join(" | ", tail);
        }
    }

    private ChildProcess() {}

    /**
     * Runs {@code command} with {@code env} added to this process's environment, streaming its output to {@code lines}.
     * Interrupting the caller ends the child.
     */
    public static Outcome run(List<String> command, Map<String, String> env, Duration timeout, Consumer<String> lines) {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command.get(0) + ": " + e.getMessage(), e);
        }
        Deque<String> tail = new ArrayDeque<>();
        Thread reader = new Thread(() -> pump(p, lines, tail), "child-output-" + p.pid());
        reader.setDaemon(true);
        reader.start();
        boolean timedOut = false;
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                timedOut = true;
                end(p);
            }
            reader.join(GRACE.toMillis()); // the rest of the output, once the child has gone
        } catch (InterruptedException e) {
            end(p);
            Thread.currentThread().interrupt();
            throw new EngineException("interrupted while waiting for " + command.get(0) + " (pid " + p.pid() + "); it was ended", e);
        }
        synchronized (tail) {
            return new Outcome(timedOut ? -1 : p.exitValue(), timedOut, List.copyOf(tail));
        }
    }

    private static void pump(Process p, Consumer<String> lines, Deque<String> tail) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                synchronized (tail) {
                    if (tail.size() == TAIL) tail.removeFirst();
                    tail.addLast(line);
                }
                lines.accept(line);
            }
        } catch (IOException | RuntimeException e) {
            lines.accept("(output of pid " + p.pid() + " lost: " + e + ")");
        }
    }

    /** SIGTERM, then SIGKILL after the grace period; waits until it is gone. */
    private static void end(Process p) {
        p.destroy();
        try {
            if (!p.waitFor(GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                p.waitFor();
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
