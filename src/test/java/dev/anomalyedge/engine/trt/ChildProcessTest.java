package dev.anomalyedge.engine.trt;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ChildProcessTest {
    static List<String> java(String... args) {
        List<String> c = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), ChildMain.class.getName()));
        c.addAll(List.of(args));
        return c;
    }

    @Test
    void streamsEveryLineAndKeepsTheLastOnesOfAFailure() {
        List<String> seen = new ArrayList<>();
        ChildProcess.Outcome o = ChildProcess.run(java("lines", "30", "3"), Map.of(), Duration.ofSeconds(60), seen::add);
        assertEquals(3, o.exitCode());
        assertFalse(o.timedOut());
        assertFalse(o.succeeded());
        assertEquals(31, seen.size(), "stdout and stderr, every line: " + seen);
        assertTrue(seen.contains("error: the last words"));
        assertEquals(ChildProcess.TAIL, o.tail().size());
        assertEquals("line 30", o.tail().get(ChildProcess.TAIL - 2));
        assertEquals("error: the last words", o.tail().get(ChildProcess.TAIL - 1));
        assertTrue(o.tailText().endsWith("line 29 | line 30 | error: the last words"), o.tailText());
    }

    @Test
    void aSuccessfulChild() {
        ChildProcess.Outcome o = ChildProcess.run(java("lines", "2", "0"), Map.of(), Duration.ofSeconds(60), line -> { });
        assertTrue(o.succeeded());
        assertEquals(List.of("line 1", "line 2", "error: the last words"), o.tail());
    }

    @Test
    void aChildPastItsLimitIsEndedAndReported() {
        long start = System.nanoTime();
        ChildProcess.Outcome o = ChildProcess.run(java("hang"), Map.of(), Duration.ofSeconds(3), line -> { });
        double seconds = (System.nanoTime() - start) / 1e9;
        assertTrue(o.timedOut());
        assertEquals(-1, o.exitCode());
        assertFalse(o.succeeded());
        assertTrue(seconds < 20, "ended within the grace period, took " + seconds + " s");
    }

    @Test
    void aCommandThatCannotStartIsNamed() {
        var e = assertThrows(java.io.UncheckedIOException.class,
                () -> ChildProcess.run(List.of("/nonexistent/java"), Map.of(), Duration.ofSeconds(5), line -> { }));
        assertTrue(e.getMessage().startsWith("cannot start /nonexistent/java: "), e.getMessage());
    }
}
