package dev.anomalyedge.text;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class TorchRuntimeTest {

    @Test
    void loadsOnceAndRoundTripsData() {
        assertDoesNotThrow(TorchRuntime::ensureLoaded);
        assertDoesNotThrow(TorchRuntime::ensureLoaded); // idempotent
        try (PointerScope scope = new PointerScope()) {
            Tensor a = TorchTensors.fromFloats(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
            assertArrayEquals(new long[] {2, 3}, a.shape());
            // a^T: reading back a transposed (non-contiguous) view gives row-major values of the transpose
            assertArrayEquals(new float[] {1, 4, 2, 5, 3, 6}, TorchTensors.toFloats(a.t()));
            assertArrayEquals(new long[] {7, -1}, TorchTensors.toLongs(TorchTensors.fromLongs(new long[] {7, -1}, 2)));
        }
    }

    @Test
    void threadCountIsSettable() {
        int before = TorchRuntime.threads();
        try {
            TorchRuntime.setThreads(1);
            assertEquals(1, TorchRuntime.threads());
            assertThrows(IllegalArgumentException.class, () -> TorchRuntime.setThreads(0));
        } finally {
            TorchRuntime.setThreads(before);
        }
    }
}
