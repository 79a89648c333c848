package dev.anomalyedge.engine.trt;

import dev.anomalyedge.engine.EngineException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/** What the TensorRT classes say where they cannot run, and the parts of them that need no natives. */
class TrtWithoutNativesTest {
    @TempDir
    Path dir;

    @Test
    void openingAPlanChecksItsArgumentsFirst() {
        var missing = assertThrows(EngineException.class, () -> TrtAnomalyEngine.open(dir.resolve("x.plan"), 0, 1));
        assertEquals(dir.resolve("x.plan") + ": TensorRT plan file not found", missing.getMessage());
        var workers = assertThrows(EngineException.class, () -> TrtAnomalyEngine.open(dir.resolve("x.plan"), 0, 0));
        assertEquals("TensorRT workers must be >= 1, got 0", workers.getMessage());
        var batch = assertThrows(EngineException.class, () -> TrtAnomalyEngine.open(dir.resolve("x.plan"), -1, 1));
        assertEquals("max batch must be >= 0 (0: the plan's), got -1", batch.getMessage());
    }

    @Test
    void withoutTensorRtOpeningAndBuildingSayWhy() throws IOException {
        TrtAvailability a = TrtNatives.probe();
        assumeFalse(a.available(), "TensorRT is available here: " + a.reason());
        Path plan = Files.write(dir.resolve("x.plan"), new byte[] {1, 2, 3});
        var open = assertThrows(EngineException.class, () -> TrtAnomalyEngine.open(plan, 0, 1));
        assertEquals("TensorRT is not available: " + a.reason(), open.getMessage());
        var build = assertThrows(EngineException.class, () -> TrtPlanBuilder.build(
                TrtPlanBuilder.Request.forBundle(dir, TrtPrecision.FP16, BatchProfile.upTo(8, 32), 1L << 30)));
        assertEquals("TensorRT is not available: " + a.reason(), build.getMessage());
    }

    @Test
    void aTinyWorkspaceIsRefused() {
        var e = assertThrows(EngineException.class, () -> TrtPlanBuilder.Request.forBundle(dir, TrtPrecision.FP16, BatchProfile.upTo(1, 1), 1000));
        assertEquals("workspace must be at least 1 MiB, got 1000 bytes", e.getMessage());
    }

    @Test
    void ioTensorsSplitAroundTheirBatchAxis() {
        // patch_features [K, B, T, E]: the batch is axis 1, so a chunk is K blocks of b·T·E floats
        TrtAnomalyEngine.Io pf = TrtAnomalyEngine.io(dir, "patch_features", false, new long[] {4, -1, 50, 16});
        assertEquals(1, pf.batchAxis());
        assertEquals(4, pf.outer());
        assertEquals(800, pf.inner());
        assertEquals(3200, pf.perImage());
        TrtAnomalyEngine.Io img = TrtAnomalyEngine.io(dir, "image", true, new long[] {-1, 3, 98, 98});
        assertEquals(1, img.outer());
        assertEquals(3 * 98 * 98, img.perImage());
        assertArrayEquals(new long[] {-1, 3, 98, 98}, img.shape());
        var two = assertThrows(EngineException.class, () -> TrtAnomalyEngine.io(dir, "x", false, new long[] {-1, -1}));
        assertTrue(two.getMessage().endsWith("tensor 'x' [-1, -1] has more than one dynamic axis"), two.getMessage());
        var none = assertThrows(EngineException.class, () -> TrtAnomalyEngine.io(dir, "y", false, new long[] {2, 3}));
        assertTrue(none.getMessage().endsWith("tensor 'y' [2, 3] has no dynamic batch axis"), none.getMessage());
    }
}
