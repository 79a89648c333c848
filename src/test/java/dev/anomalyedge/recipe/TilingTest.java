package dev.anomalyedge.recipe;

import dev.anomalyedge.image.PillowImage;
import dev.anomalyedge.image.PixelMode;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TilingTest {

    @Test
    void tilesCoverTheRegionExactlyWithTheAskedOverlap() {
        List<Tiling.Rect> t = Tiling.layout(1000, 600, new Tiles(2, 3, 0.2));
        assertEquals(6, t.size());
        // width: side = ceil(1000 / (1 + 2·0.8)) = 385, starts 0, round(615/2) = 308, 615
        assertEquals(new Tiling.Rect(0, 0, 385, 334), t.get(0));
        assertEquals(new Tiling.Rect(308, 0, 385, 334), t.get(1));
        assertEquals(new Tiling.Rect(615, 0, 385, 334), t.get(2));
        assertEquals(new Tiling.Rect(0, 266, 385, 334), t.get(3)); // height: side = ceil(600 / 1.8) = 334, last ends at 600
        for (Tiling.Rect r : t) assertTrue(r.x() + r.width() <= 1000 && r.y() + r.height() <= 600);
        double overlap = (t.get(0).x() + t.get(0).width() - t.get(1).x()) / (double) t.get(0).width();
        assertEquals(0.2, overlap, 0.01);
    }

    @Test
    void oneTileIsTheWholeRegionAndNoOverlapAbuts() {
        assertEquals(List.of(new Tiling.Rect(0, 0, 50, 40)), Tiling.layout(50, 40, new Tiles(1, 1, 0)));
        List<Tiling.Rect> t = Tiling.layout(100, 100, new Tiles(1, 4, 0));
        for (int i = 0; i < 4; i++) assertEquals(new Tiling.Rect(25 * i, 0, 25, 100), t.get(i));
    }

    @Test
    void badTilesAreRefused() {
        assertThrows(RecipeException.class, () -> new Tiles(0, 2, 0.1));
        assertThrows(RecipeException.class, () -> new Tiles(9, 1, 0.1));
        assertThrows(RecipeException.class, () -> new Tiles(2, 2, 0.6));
        assertThrows(RecipeException.class, () -> new Tiles(2, 2, Double.NaN));
        assertThrows(RecipeException.class, () -> Tiles.parse("3by3"));
        assertThrows(RecipeException.class, () -> Tiles.parse("2x2:lots"));
        assertThrows(RecipeException.class, () -> Tiling.layout(3, 100, new Tiles(1, 4, 0)), "a region narrower than its tiles");
        assertEquals(new Tiles(2, 3, 0.25), Tiles.parse("2x3:0.25"));
        assertEquals(new Tiles(4, 4, 0.1), Tiles.parse("4x4"));
    }

    @Test
    void stitchingConstantTilesGivesTheConstantAndOverlapsAverage() {
        int s = 8;
        List<Tiling.Rect> tiles = Tiling.layout(100, 50, new Tiles(1, 2, 0.5));
        float[] one = filled(s * s, 1f), three = filled(s * s, 3f);
        float[] map = Tiling.stitch(List.of(one, three), s, tiles, 0, 0, 100, 50, 100, 50);
        // tiles [0, 67) and [33, 100): left only 1, overlap (1 + 3) / 2 = 2, right only 3
        assertEquals(1f, map[10], 1e-6);
        assertEquals(2f, map[50], 1e-6);
        assertEquals(3f, map[90], 1e-6);
        assertEquals(2f, map[49 * 100 + 50], 1e-6);
    }

    @Test
    void stitchingPutsTheRegionAtItsPlaceInTheWholeImageDownscaled() {
        int s = 4;
        float[] ramp = new float[s * s];
        for (int y = 0; y < s; y++) for (int x = 0; x < s; x++) ramp[y * s + x] = x;
        // a 200×100 ROI at (400, 300) of a 2000×1000 image, on a grid of 1000×500 (half size)
        float[] map = Tiling.stitch(List.of(ramp), s, List.of(new Tiling.Rect(0, 0, 200, 100)), 400, 300, 2000, 1000, 1000, 500);
        assertEquals(0f, map[0], 0, "outside the ROI");
        assertEquals(0f, map[175 * 1000 + 199], 0, "just left of the ROI");
        assertEquals(0f, map[175 * 1000 + 200], 1e-6, "the ROI's left edge: first map column");
        assertEquals(3f, map[175 * 1000 + 299], 1e-6, "the ROI's right edge: last map column");
        assertEquals(1.5f, map[175 * 1000 + 250], 0.05, "the middle of a ramp");
        assertEquals(0f, map[175 * 1000 + 300], 0, "right of the ROI");
        assertEquals(0f, map[149 * 1000 + 250], 0, "above the ROI");
    }

    @Test
    void gridIsBoundedOnTheLongSide() {
        assertEquals(List.of(1024, 512), List.of(Tiling.gridSize(2000, 1000, 1024)[0], Tiling.gridSize(2000, 1000, 1024)[1]));
        assertEquals(List.of(300, 200), List.of(Tiling.gridSize(300, 200, 1024)[0], Tiling.gridSize(300, 200, 1024)[1]));
    }

    @Test
    void cropKeepsTheModeAndThePixels() {
        byte[] rgb = new byte[4 * 3 * 3];
        for (int i = 0; i < rgb.length; i++) rgb[i] = (byte) i;
        PillowImage img = PillowImage.of(PixelMode.RGB, 4, 3, rgb);
        PillowImage c = Tiling.crop(img, new Tiling.Rect(1, 1, 2, 2));
        assertEquals(PixelMode.RGB, c.mode());
        assertEquals(2, c.width());
        assertEquals(img.sample(1, 1, 0), c.sample(0, 0, 0));
        assertEquals(img.sample(2, 2, 2), c.sample(1, 1, 2));
        assertSame(img, Tiling.crop(img, new Tiling.Rect(0, 0, 4, 3)));
        assertThrows(RecipeException.class, () -> Tiling.crop(img, new Tiling.Rect(3, 0, 2, 2)));
    }

    private static float[] filled(int n, float v) {
        float[] a = new float[n];
        java.util.Arrays.fill(a, v);
        return a;
    }
}
