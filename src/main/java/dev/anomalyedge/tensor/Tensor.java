package dev.anomalyedge.tensor;

import java.util.Arrays;

/**
 * A dense, row-major (C order) tensor. Floating-point data is held as float32 (fp16/bf16 widened exactly);
 * integer data as int64. {@link #dtype()} records the element type of the source.
 */
public final class Tensor {
    private final DType dtype;
    private final long[] shape;
    private final float[] floats;
    private final long[] longs;

    private Tensor(DType dtype, long[] shape, float[] floats, long[] longs) {
        this.dtype = dtype;
        this.shape = shape.clone();
        this.floats = floats;
        this.longs = longs;
        long n = numel(shape);
        long have = floats != null ? floats.length : longs.length;
        if (n != have) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " needs " + n + " elements, got " + have);
        }
    }

    public static Tensor ofFloats(long[] shape, float[] data) {
        return new Tensor(DType.F32, shape, data, null);
    }

    public static Tensor ofFloats(DType sourceType, long[] shape, float[] data) {
        return new Tensor(sourceType, shape, data, null);
    }

    public static Tensor ofLongs(DType sourceType, long[] shape, long[] data) {
        return new Tensor(sourceType, shape, null, data);
    }

    public static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    public DType dtype() { return dtype; }

    public long[] shape() { return shape.clone(); }

    public int rank() { return shape.length; }

    public long dim(int i) { return shape[i < 0 ? shape.length + i : i]; }

    public long numel() { return numel(shape); }

    public boolean isFloating() { return floats != null; }

    /** The float32 data (no copy). Throws for integer tensors. */
    public float[] floats() {
        if (floats == null) throw new IllegalStateException("tensor of " + dtype + " holds integers, not floats");
        return floats;
    }

    /** The int64 data (no copy). Throws for floating tensors. */
    public long[] longs() {
        if (longs == null) throw new IllegalStateException("tensor of " + dtype + " holds floats, not integers");
        return longs;
    }

    /** Same data, new shape with the same element count. */
    public Tensor reshape(long... newShape) {
        if (numel(newShape) != numel()) {
            throw new IllegalArgumentException("cannot reshape " + shapeString() + " to " + Arrays.toString(newShape));
        }
        return new Tensor(dtype, newShape, floats, longs);
    }

    public boolean hasShape(long... expected) {
        return Arrays.equals(shape, expected);
    }

    public String shapeString() { return Arrays.toString(shape); }

    @Override
    public String toString() { return "Tensor[" + dtype + " " + shapeString() + "]"; }
}
