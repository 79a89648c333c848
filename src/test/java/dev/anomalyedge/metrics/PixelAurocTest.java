package dev.anomalyedge.metrics;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PixelAurocTest {

    /**
     * Two images of different sizes. Positives {.9, .5, .7}, negatives {.1, .5, .3, .2}.
     * Pairs won: .9 → 4, .7 → 4, .5 → 3 + ½ (tie with the negative .5) → 11.5 / 12.
     */
    @Test
    void handComputedOverAllPixels() {
        float[][] maps = {{0.1f, 0.9f, 0.5f}, {0.5f, 0.2f, 0.3f, 0.7f}};
        byte[][] masks = {{0, 1, 0}, {1, 0, 0, 1}};
        assertEquals(11.5 / 12, Metrics.pixelAuroc(maps, masks), 1e-12);
        boolean[][] bools = {{false, true, false}, {true, false, false, true}};
        assertEquals(11.5 / 12, Metrics.pixelAuroc(maps, bools), 1e-12);
    }

    /** Same as image AUROC (and the pairwise definition) over the concatenated pixels. */
    @Test
    void equalsAurocOfFlattenedPixels() {
        Random rnd = new Random(3);
        float[][] maps = new float[5][];
        byte[][] masks = new byte[5][];
        int n = 0;
        for (int i = 0; i < 5; i++) {
            maps[i] = new float[40 + 10 * i];
            masks[i] = new byte[maps[i].length];
            for (int p = 0; p < maps[i].length; p++) {
                maps[i][p] = rnd.nextInt(20) / 7f;
                masks[i][p] = (byte) (rnd.nextDouble() < 0.2 ? 1 : 0);
            }
            n += maps[i].length;
        }
        float[] flat = new float[n];
        int[] labels = new int[n];
        int k = 0;
        for (int i = 0; i < 5; i++) {
            for (int p = 0; p < maps[i].length; p++, k++) {
                flat[k] = maps[i][p];
                labels[k] = masks[i][p];
            }
        }
        double auroc = Metrics.pixelAuroc(maps, masks);
        assertEquals(Metrics.imageAuroc(flat, labels), auroc, 1e-15);
        assertEquals(ImageMetricsTest.bruteAuroc(flat, labels), auroc, 1e-12);
    }

    @Test
    void degenerateAndBadInput() {
        assertTrue(Double.isNaN(Metrics.pixelAuroc(new float[][] {{0.1f, 0.2f}}, new byte[][] {{0, 0}})));
        assertThrows(IllegalArgumentException.class, () -> Metrics.pixelAuroc(new float[0][], new byte[0][]));
        assertThrows(IllegalArgumentException.class,
                () -> Metrics.pixelAuroc(new float[][] {{0.1f, 0.2f}}, new byte[][] {{0, 1, 0}}));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Metrics.pixelAuroc(new float[][] {{0.1f, 0.2f}}, new byte[][] {{0, (byte) 255}}));
        assertTrue(e.getMessage().contains("mask[0][1]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Metrics.pixelAuroc(new float[][] {{0.1f, Float.POSITIVE_INFINITY}}, new byte[][] {{0, 1}}));
        assertTrue(e.getMessage().contains("map[0][1]"), e.getMessage());
    }

    /**
     * Scale smoke test: 8 maps of 518² (2.1M pixels) with a known answer. Map = pixel value ramp, positives are the
     * top quarter of each map's values, so every positive outranks every negative: AUROC 1; swapping gives 0.
     */
    @Test
    void largeMapsStayFast() {
        int side = 518, n = 8;
        float[][] maps = new float[n][side * side];
        byte[][] masks = new byte[n][side * side];
        byte[][] inverted = new byte[n][side * side];
        for (int i = 0; i < n; i++) {
            for (int p = 0; p < side * side; p++) {
                maps[i][p] = (float) p / (side * side);
                masks[i][p] = (byte) (4 * p >= 3 * side * side ? 1 : 0);
                inverted[i][p] = (byte) (1 - masks[i][p]);
            }
        }
        long t0 = System.nanoTime();
        assertEquals(1.0, Metrics.pixelAuroc(maps, masks), 1e-12);
        assertEquals(0.0, Metrics.pixelAuroc(maps, inverted), 1e-12);
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf("pixelAuroc: 2 x %d pixels in %.2f s%n", n * side * side, seconds);
    }
}
