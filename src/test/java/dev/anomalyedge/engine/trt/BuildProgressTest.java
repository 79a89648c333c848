package dev.anomalyedge.engine.trt;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BuildProgressTest {
    @Test
    void phasesAndHeartbeatsReportElapsedTime() {
        AtomicLong now = new AtomicLong();
        List<String> lines = new ArrayList<>();
        try (BuildProgress p = new BuildProgress("plan x", lines::add, Duration.ZERO, now::get)) {
            now.addAndGet(500_000_000L);
            try (var phase = p.phase("[2/6] parse ONNX")) {
                now.addAndGet(1_250_000_000L);
            }
            try (var phase = p.phase("[4/6] build engine")) {
                now.addAndGet(60_000_000_000L);
                p.beat();
                p.note("FP16 with 3 of 10 layers kept in FP32");
                now.addAndGet(30_000_000_000L);
            }
            assertEquals(91.75, p.elapsedSeconds(), 1e-9);
        }
        assertEquals(List.of(
                "plan x: started",
                "plan x: [2/6] parse ONNX …",
                "plan x: [2/6] parse ONNX done in 1.3 s",
                "plan x: [4/6] build engine …",
                "plan x: still in '[4/6] build engine' (60.0 s in this phase, 61.8 s in all)",
                "plan x: FP16 with 3 of 10 layers kept in FP32",
                "plan x: [4/6] build engine done in 90.0 s",
                "plan x: finished after 91.8 s"), lines);
    }

    @Test
    void theHeartbeatThreadStopsOnClose() {
        List<String> lines = new java.util.concurrent.CopyOnWriteArrayList<>();
        BuildProgress p = new BuildProgress("plan y", lines::add, Duration.ofMillis(5));
        try (var phase = p.phase("build")) {
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (lines.stream().noneMatch(l -> l.contains("still in 'build'")) && System.nanoTime() < deadline) Thread.onSpinWait();
        }
        p.close();
        assertTrue(p.heartbeatStopped(), "no heartbeat after close");
        assertTrue(lines.stream().anyMatch(l -> l.contains("still in 'build'")), lines.toString());
        assertEquals("plan y: finished after", lines.get(lines.size() - 1).replaceAll(" [0-9.]+ s$", ""));
    }
}
