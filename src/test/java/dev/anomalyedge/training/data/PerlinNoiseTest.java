package dev.anomalyedge.training.data;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PerlinNoiseTest {
    @Test
    void zeroOnTheLatticeBoundedAndSmooth() {
        PerlinNoise n = new PerlinNoise(7);
        double min = 0;
        double max = 0;
        for (int i = 0; i < 40_000; i++) {
            double x = (i % 200) * 0.037;
            double y = (i / 200) * 0.041;
            double v = n.at(x, y);
            min = Math.min(min, v);
            max = Math.max(max, v);
            // Lipschitz: the gradient of the blend is bounded, so a tiny step moves the value a little
            assertEquals(v, n.at(x + 1e-4, y), 1e-3);
        }
        assertTrue(min >= -1 && max <= 1, min + " " + max);
        assertTrue(max - min > 0.8, "the field varies: " + min + " .. " + max);
        for (int x = -3; x < 5; x++) {
            assertEquals(0.0, n.at(x, 2 * x + 1), 0.0);
        }
    }

    @Test
    void seeded() {
        float[] a = PerlinNoise.field(32, 24, 4, 2, 11);
        assertArrayEquals(a, PerlinNoise.field(32, 24, 4, 2, 11));
        assertFalse(java.util.Arrays.equals(a, PerlinNoise.field(32, 24, 4, 2, 12)));
        assertEquals(32 * 24, a.length);
    }
}
