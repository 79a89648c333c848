package dev.anomalyedge.tensor;

/** Element types found in checkpoints. Floating types are widened exactly to float32 when read. */
public enum DType {
    F32(4, true), F16(2, true), BF16(2, true), F64(8, true),
    I64(8, false), I32(4, false), I16(2, false), I8(1, false), U8(1, false), BOOL(1, false);

    public final int bytes;
    public final boolean floating;

    DType(int bytes, boolean floating) {
        this.bytes = bytes;
        this.floating = floating;
    }
}
