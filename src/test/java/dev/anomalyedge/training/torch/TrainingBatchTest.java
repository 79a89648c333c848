package dev.anomalyedge.training.torch;

import dev.anomalyedge.tensor.DType;
import dev.anomalyedge.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Shapes and values of a training batch are checked up front, with messages that say what was expected. */
class TrainingBatchTest {
    private static Tensor floats(long... shape) {
        return Tensor.ofFloats(shape, new float[(int) Tensor.numel(shape)]);
    }

    @Test
    void readsFileTypesAndReportsItsSizes() {
        long[] mask = new long[2 * 6 * 6];
        mask[40] = 1;
        TrainingBatch b = TrainingBatch.of(floats(2, 4), floats(3, 2, 10, 4),
                Tensor.ofLongs(DType.I32, new long[] {2}, new long[] {0, 1}),
                Tensor.ofLongs(DType.U8, new long[] {2, 6, 6}, mask));
        assertEquals(2, b.size());
        assertEquals(3, b.taps());
        assertEquals(3, b.grid());
        assertEquals(6, b.imageSize());
        assertArrayEquals(new long[] {0, 1}, b.labels());
        assertEquals(1f, b.masks().floats()[40]);
        assertEquals(DType.F32, b.masks().dtype());
    }

    private static String error(Runnable r) {
        return assertThrows(IllegalArgumentException.class, r::run).getMessage();
    }

    @Test
    void inconsistentBatchesAreRefused() {
        Tensor image = floats(2, 4), patches = floats(1, 2, 5, 4), masks = floats(2, 8, 8);
        long[] labels = {0, 1};
        String m = error(() -> new TrainingBatch(image, floats(1, 2, 6, 4), labels, masks));
        assertTrue(m.contains("T=6") && m.contains("G·G + 1"), m);
        m = error(() -> new TrainingBatch(image, floats(1, 3, 5, 4), labels, masks));
        assertTrue(m.contains("B=2") && m.contains("[1, 3, 5, 4]"), m);
        m = error(() -> new TrainingBatch(image, patches, new long[] {0, 2}, masks));
        assertTrue(m.contains("0 (normal) or 1"), m);
        m = error(() -> new TrainingBatch(image, patches, new long[] {0}, masks));
        assertTrue(m.contains("need 2 labels"), m);
        m = error(() -> new TrainingBatch(image, patches, labels, floats(2, 8, 7)));
        assertTrue(m.contains("[B=2, S, S]") && m.contains("[2, 8, 7]"), m);
        float[] grey = new float[2 * 8 * 8];
        grey[3] = 0.5f;
        m = error(() -> new TrainingBatch(image, patches, labels, Tensor.ofFloats(new long[] {2, 8, 8}, grey)));
        assertTrue(m.contains("only 0 and 1") && m.contains("0.5"), m);
        m = error(() -> new TrainingBatch(floats(0, 4), floats(1, 0, 5, 4), new long[0], floats(0, 8, 8)));
        assertTrue(m.contains("at least one image"), m);
    }
}
