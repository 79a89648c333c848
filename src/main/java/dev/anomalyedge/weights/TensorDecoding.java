package dev.anomalyedge.weights;

import dev.anomalyedge.tensor.DType;
import dev.anomalyedge.tensor.Half;
import dev.anomalyedge.tensor.Tensor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Decodes {@code numel} contiguous little-endian elements at the buffer's position into a tensor. */
final class TensorDecoding {
    private TensorDecoding() {}

    static Tensor decode(DType dtype, long[] shape, ByteBuffer src, int numel) {
        ByteBuffer b = src.order(ByteOrder.LITTLE_ENDIAN);
        if (dtype.floating) {
            float[] out = new float[numel];
            switch (dtype) {
                case F32 -> b.asFloatBuffer().get(out);
                case F16 -> { for (int i = 0; i < numel; i++) out[i] = Half.toFloat(b.getShort()); }
                case BF16 -> { for (int i = 0; i < numel; i++) out[i] = Half.bf16ToFloat(b.getShort()); }
                case F64 -> { for (int i = 0; i < numel; i++) out[i] = (float) b.getDouble(); }
                default -> throw new IllegalStateException(dtype.name());
            }
            return Tensor.ofFloats(dtype, shape, out);
        }
        long[] out = new long[numel];
        switch (dtype) {
            case I64 -> b.asLongBuffer().get(out);
            case I32 -> { for (int i = 0; i < numel; i++) out[i] = b.getInt(); }
            case I16 -> { for (int i = 0; i < numel; i++) out[i] = b.getShort(); }
            case I8 -> { for (int i = 0; i < numel; i++) out[i] = b.get(); }
            case U8 -> { for (int i = 0; i < numel; i++) out[i] = Byte.toUnsignedInt(b.get()); }
            case BOOL -> { for (int i = 0; i < numel; i++) out[i] = b.get() != 0 ? 1 : 0; }
            default -> throw new IllegalStateException(dtype.name());
        }
        return Tensor.ofLongs(dtype, shape, out);
    }
}
