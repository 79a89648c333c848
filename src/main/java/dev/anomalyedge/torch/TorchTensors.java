package dev.anomalyedge.torch;

import dev.anomalyedge.tensor.DType;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Copies between our row-major {@link dev.anomalyedge.tensor.Tensor} / Java arrays and libtorch tensors on the current
 * device ({@link TorchRuntime#useDevice}; the CPU unless CUDA was chosen). Every returned libtorch tensor is a fresh
 * copy that owns its memory (never a view of a Java array).
 */
public final class TorchTensors {
    private TorchTensors() {}

    /** A new float32 libtorch tensor holding a copy of {@code data} with the given shape. */
    public static Tensor fromFloats(float[] data, long... shape) {
        TorchRuntime.ensureLoaded();
        long n = dev.anomalyedge.tensor.Tensor.numel(shape);
        if (n != data.length) {
            throw new IllegalArgumentException("shape " + java.util.Arrays.toString(shape) + " needs " + n + " floats, got " + data.length);
        }
        return onDevice(() -> Tensor.create(data, shape));
    }

    /** A new float32 libtorch tensor holding a copy of a floating tensor's data. */
    public static Tensor fromTensor(dev.anomalyedge.tensor.Tensor t) {
        return fromFloats(t.floats(), t.shape());
    }

    /** A new int64 libtorch tensor holding a copy of {@code data} with the given shape. */
    public static Tensor fromLongs(long[] data, long... shape) {
        TorchRuntime.ensureLoaded();
        long n = dev.anomalyedge.tensor.Tensor.numel(shape);
        if (n != data.length) {
            throw new IllegalArgumentException("shape " + java.util.Arrays.toString(shape) + " needs " + n + " longs, got " + data.length);
        }
        return onDevice(() -> Tensor.create(data, shape));
    }

    /** A CPU tensor from {@code cpu}, moved to the current device (the CPU copy freed at once on CUDA). */
    private static Tensor onDevice(java.util.function.Supplier<Tensor> cpu) {
        if (TorchRuntime.onCpu()) return cpu.get();
        return Scoped.compute(() -> TorchRuntime.onDevice(cpu.get()));
    }

    /** The values of a floating libtorch tensor (any layout, any device), row-major, as float32. Does not touch autograd. */
    public static float[] toFloats(Tensor t) {
        try (PointerScope scope = new PointerScope()) {
            Tensor c = t.detach().to(torch.ScalarType.Float).cpu().contiguous();
            float[] out = new float[Math.toIntExact(c.numel())];
            FloatPointer p = c.data_ptr_float();
            p.get(out);
            return out;
        }
    }

    /** The values of an integer libtorch tensor, row-major, as int64. */
    public static long[] toLongs(Tensor t) {
        try (PointerScope scope = new PointerScope()) {
            Tensor c = t.detach().to(torch.ScalarType.Long).cpu().contiguous();
            long[] out = new long[Math.toIntExact(c.numel())];
            LongPointer p = c.data_ptr_long();
            p.get(out);
            return out;
        }
    }

    /** A copy of a floating libtorch tensor as our {@link dev.anomalyedge.tensor.Tensor} (float32). */
    public static dev.anomalyedge.tensor.Tensor toTensor(Tensor t) {
        return dev.anomalyedge.tensor.Tensor.ofFloats(t.shape(), toFloats(t));
    }

    /** A copy of an integer libtorch tensor as our tensor, recording {@code sourceType} (e.g. I32 for token ids). */
    public static dev.anomalyedge.tensor.Tensor toLongTensor(Tensor t, DType sourceType) {
        return dev.anomalyedge.tensor.Tensor.ofLongs(sourceType, t.shape(), toLongs(t));
    }
}
