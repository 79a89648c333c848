package dev.anomalyedge.weights;

import dev.anomalyedge.tensor.DType;
import dev.anomalyedge.tensor.Tensor;

import java.util.Arrays;

/**
 * A tensor as a PyTorch pickle describes it, before its bytes are read: a strided view
 * ({@code storageOffset}, {@code shape}, {@code stride}, all in elements) of the storage {@code data/<storageKey>},
 * which holds {@code storageNumel} elements of {@code dtype}.
 */
public final class StoredTensor {
    private final String storageKey;
    private final DType dtype;
    private final long storageNumel;
    private final long storageOffset;
    private final long[] shape;
    private final long[] stride;

    StoredTensor(String storageKey, DType dtype, long storageNumel, long storageOffset, long[] shape, long[] stride) {
        this.storageKey = storageKey;
        this.dtype = dtype;
        this.storageNumel = storageNumel;
        this.storageOffset = storageOffset;
        this.shape = shape.clone();
        this.stride = stride.clone();
    }

    public String storageKey() { return storageKey; }

    public DType dtype() { return dtype; }

    public long storageNumel() { return storageNumel; }

    public long storageOffset() { return storageOffset; }

    public long[] shape() { return shape.clone(); }

    public long[] stride() { return stride.clone(); }

    public long numel() { return Tensor.numel(shape); }

    /** Bytes of the whole storage, storageNumel × element size (Long.MAX_VALUE when that overflows). */
    public long storageBytes() { return ReadBudget.multiplySaturated(storageNumel, dtype.bytes); }

    /**
     * Storage elements the view needs: 1 + the largest index it reads,
     * offset + Σ (shape[i] − 1)·stride[i], or 0 for an empty view.
     */
    public long requiredStorageElements() {
        if (numel() == 0) return 0;
        long last = storageOffset;
        for (int i = 0; i < shape.length; i++) last = Math.addExact(last, Math.multiplyExact(shape[i] - 1, stride[i]));
        return last + 1;
    }

    /** True when the view is the row-major (C order) layout of its shape, so it reads one contiguous byte range. */
    public boolean isContiguous() {
        long expected = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] != 1 && stride[i] != expected) return false;
            expected *= shape[i];
        }
        return true;
    }

    /**
     * Identifies the view exactly (storage, offset, shape, stride; the storage key fixes dtype and size): tensors with
     * equal keys hold the same elements. The key comes last, so the string cannot be ambiguous.
     */
    String viewKey() {
        return storageOffset + "|" + Arrays.toString(shape) + "|" + Arrays.toString(stride) + "|" + storageKey;
    }

    /** "storage 'k' (F16, 4928 elements), offset 832, shape [1, 1, 64, 64], stride [4928, 4928, 64, 1]" */
    public String describe() {
        return "storage " + Names.quote(storageKey) + " (" + dtype + ", " + storageNumel + " elements), offset " + storageOffset
                + ", shape " + Arrays.toString(shape) + ", stride " + Arrays.toString(stride);
    }

    @Override
    public String toString() { return "StoredTensor[" + describe() + "]"; }
}
