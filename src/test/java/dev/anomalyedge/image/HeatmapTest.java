package dev.anomalyedge.image;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HeatmapTest {

    @Test
    void jetRunsFromDarkBlueThroughGreenToDarkRed() {
        int[] rgb = new int[3];
        Heatmap.jet(0f, rgb);
        assertArrayEquals(new int[] {0, 0, 128}, rgb);
        Heatmap.jet(0.5f, rgb);
        assertArrayEquals(new int[] {128, 255, 128}, rgb);
        Heatmap.jet(1f, rgb);
        assertArrayEquals(new int[] {128, 0, 0}, rgb);
        Heatmap.jet(0.25f, rgb);
        assertArrayEquals(new int[] {0, 128, 255}, rgb);
    }

    @Test
    void rangeNormalisesAndClamps() {
        Heatmap.Range r = Heatmap.Range.of(new float[] {2f, 6f, Float.NaN, 4f});
        assertEquals(2f, r.low());
        assertEquals(6f, r.high());
        assertEquals(0.5f, r.normalise(4f));
        Heatmap.Range fixed = Heatmap.Range.fixed(0f, 1f);
        assertEquals(1f, fixed.normalise(3f));
        assertEquals(0f, fixed.normalise(-1f));
        assertEquals(0f, Heatmap.Range.of(new float[] {5f, 5f}).normalise(5f), "a flat map is all low");
        assertThrows(IllegalArgumentException.class, () -> Heatmap.Range.fixed(1f, 0f));
    }

    @Test
    void aRecipeThresholdSitsMidScale() {
        // a recipe's few-shot map values are small (distances): scaled around the threshold they are not all blue, and a
        // fused map is not all red
        Heatmap.Range r = Heatmap.Range.aroundThreshold(0.3);
        assertEquals(0f, r.normalise(0f));
        assertEquals(0.5f, r.normalise(0.3f), 1e-6f, "the threshold is mid-scale");
        assertEquals(0.25f, r.normalise(0.15f), 1e-6f);
        assertEquals(1f, r.normalise(0.6f), 1e-6f, "twice the threshold saturates");
        assertEquals(1f, r.normalise(5f));
        int[] rgb = new int[3];
        Heatmap.jet(r.normalise(0.1f), rgb);
        assertTrue(rgb[2] > rgb[0], "well below the threshold is blue: " + java.util.Arrays.toString(rgb));
        Heatmap.jet(r.normalise(0.55f), rgb);
        assertTrue(rgb[0] > rgb[2], "well above it is red: " + java.util.Arrays.toString(rgb));
        assertThrows(IllegalArgumentException.class, () -> Heatmap.Range.aroundThreshold(0));
        assertThrows(IllegalArgumentException.class, () -> Heatmap.Range.aroundThreshold(Double.NaN));
    }

    @Test
    void overlayBlendsColoursOverThePictureAndWritesAReadablePng() {
        int w = 4;
        int h = 3;
        byte[] grey = new byte[w * h * 3];
        java.util.Arrays.fill(grey, (byte) 100);
        PillowImage base = PillowImage.of(PixelMode.RGB, w, h, grey);
        float[] map = new float[w * h];
        map[w * h - 1] = 1f; // one hot pixel, the rest at the low end
        PillowImage over = Heatmap.overlay(base, map, Heatmap.Range.of(map), 0.5f);
        // low: 0.5·100 + 0.5·(0, 0, 128) = (50, 50, 114); hot: 0.5·100 + 0.5·(128, 0, 0) = (114, 50, 50)
        assertArrayEquals(new int[] {50, 50, 114}, pixel(over, 0, 0));
        assertArrayEquals(new int[] {114, 50, 50}, pixel(over, w - 1, h - 1));
        assertArrayEquals(new int[] {100, 100, 100}, pixel(Heatmap.overlay(base, map, Heatmap.Range.of(map), 0f), 1, 1));

        byte[] png = Heatmap.overlayPng(base, map, Heatmap.Range.of(map), 0.5f);
        PillowImage back = new ImageDecoder().decode(png, "overlay.png");
        assertEquals(over, back);
    }

    @Test
    void greyMapPngHoldsTheNormalisedValues() {
        float[] map = {0f, 0.25f, 0.5f, 1f, 2f, -1f};
        byte[] png = Heatmap.greyPng(map, 3, 2, Heatmap.Range.fixed(0f, 1f));
        PillowImage back = new ImageDecoder().decode(png, "map.png");
        assertEquals(PixelMode.L, back.mode());
        assertArrayEquals(new byte[] {0, 64, (byte) 128, (byte) 255, (byte) 255, 0}, back.samples());
    }

    @Test
    void mapSizeMustMatchThePicture() {
        PillowImage base = PillowImage.of(PixelMode.RGB, 2, 2, new byte[12]);
        assertThrows(IllegalArgumentException.class, () -> Heatmap.overlay(base, new float[3], Heatmap.Range.fixed(0, 1), 0.5f));
        assertThrows(IllegalArgumentException.class, () -> Heatmap.overlay(base, new float[4], Heatmap.Range.fixed(0, 1), 1.5f));
        assertTrue(Heatmap.greyPng(new float[4], 2, 2, Heatmap.Range.fixed(0, 1)).length > 8);
    }

    private static int[] pixel(PillowImage img, int x, int y) {
        return new int[] {img.sample(x, y, 0), img.sample(x, y, 1), img.sample(x, y, 2)};
    }
}
