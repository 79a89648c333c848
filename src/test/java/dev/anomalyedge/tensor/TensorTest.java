package dev.anomalyedge.tensor;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TensorTest {
    @Test
    void shapeAndElementCountMustAgree() {
        Tensor t = Tensor.ofFloats(new long[] {2, 3}, new float[6]);
        assertEquals(DType.F32, t.dtype());
        assertEquals(2, t.rank());
        assertEquals(6, t.numel());
        assertEquals(3, t.dim(1));
        assertEquals(3, t.dim(-1), "negative dimensions count from the end");
        assertTrue(t.hasShape(2, 3));
        assertFalse(t.hasShape(3, 2));
        assertEquals("[2, 3]", t.shapeString());
        assertEquals("Tensor[F32 [2, 3]]", t.toString());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tensor.ofFloats(new long[] {2, 3}, new float[5]));
        assertEquals("shape [2, 3] needs 6 elements, got 5", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Tensor.ofLongs(DType.I64, new long[] {4}, new long[3]));
        assertThrows(IllegalArgumentException.class, () -> Tensor.numel(new long[] {2, -1}));
        assertThrows(ArithmeticException.class, () -> Tensor.numel(new long[] {1L << 40, 1L << 40}));
        assertEquals(1, Tensor.numel(new long[0]), "a scalar has one element");
        assertEquals(0, Tensor.numel(new long[] {3, 0}));
    }

    @Test
    void theShapeIsCopiedInAndOut() {
        long[] shape = {2, 2};
        Tensor t = Tensor.ofFloats(shape, new float[4]);
        shape[0] = 4;
        assertArrayEquals(new long[] {2, 2}, t.shape());
        t.shape()[0] = 9;
        assertArrayEquals(new long[] {2, 2}, t.shape());
    }

    @Test
    void reshapeSharesTheDataAndKeepsTheType() {
        float[] data = {1, 2, 3, 4, 5, 6};
        Tensor t = Tensor.ofFloats(DType.F16, new long[] {2, 3}, data);
        Tensor r = t.reshape(3, 2);
        assertArrayEquals(new long[] {3, 2}, r.shape());
        assertEquals(DType.F16, r.dtype());
        assertSame(data, r.floats(), "no copy");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.reshape(4, 2));
        assertEquals("cannot reshape [2, 3] to [4, 2]", e.getMessage());
    }

    @Test
    void floatsAndIntegersAreNotMixedUp() {
        Tensor f = Tensor.ofFloats(new long[] {1}, new float[] {1});
        Tensor i = Tensor.ofLongs(DType.I32, new long[] {1}, new long[] {1});
        assertTrue(f.isFloating());
        assertFalse(i.isFloating());
        assertEquals("tensor of F32 holds floats, not integers", assertThrows(IllegalStateException.class, f::longs).getMessage());
        assertEquals("tensor of I32 holds integers, not floats", assertThrows(IllegalStateException.class, i::floats).getMessage());
    }
}
