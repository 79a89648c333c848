package dev.anomalyedge.torch;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
    void deviceChoiceIsExplainedAndCpuStaysTheDefault() {
        try {
            assertEquals("cpu (requested)", TorchRuntime.useDevice("cpu"));
            assertEquals("cpu", TorchRuntime.deviceName());
            IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> TorchRuntime.useDevice("tpu"));
            assertTrue(bad.getMessage().contains("auto, cpu or cuda"), bad.getMessage());
            String auto = TorchRuntime.useDevice("auto");
            if (TorchRuntime.deviceName().equals("cpu")) {
                assertEquals("cpu (auto: libtorch sees no CUDA device)", auto);
                IllegalStateException none = assertThrows(IllegalStateException.class, () -> TorchRuntime.useDevice("cuda"));
                assertTrue(none.getMessage().contains("linux-x86_64-gpu"), none.getMessage());
                assertEquals("cpu", TorchRuntime.deviceName(), "a refused cuda request leaves the device alone");
            } else {
                assertTrue(auto.startsWith("cuda:0"), auto);
            }
        } finally {
            TorchRuntime.useDevice("cpu");
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
