package dev.anomalyedge.image;

import dev.anomalyedge.image.PillowResample.Filter;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

class PillowImageTest {

    @Test
    void rgbaIsResizedThroughPremultipliedAlpha() {
        // (200, 100, 50, a=128): premultiplied MULDIV255 → (100, 50, 25); back: 255·c'/128 → (199, 99, 49)
        byte[] px = new byte[2 * 2 * 4];
        for (int i = 0; i < 4; i++) { px[4 * i] = (byte) 200; px[4 * i + 1] = 100; px[4 * i + 2] = 50; px[4 * i + 3] = (byte) 128; }
        PillowImage rgba = PillowImage.of(PixelMode.RGBA, 2, 2, px);
        PillowImage big = rgba.resize(5, 5, Filter.BICUBIC);
        assertEquals(PixelMode.RGBA, big.mode());
        for (int y = 0; y < 5; y++) {
            for (int x = 0; x < 5; x++) {
                assertEquals(199, big.sample(x, y, 0));
                assertEquals(99, big.sample(x, y, 1));
                assertEquals(49, big.sample(x, y, 2));
                assertEquals(128, big.sample(x, y, 3));
            }
        }
        // convert('RGB') drops alpha without compositing
        assertArrayEquals(new byte[] {(byte) 199, 99, 49}, java.util.Arrays.copyOf(big.toRgb().samples(), 3));
    }

    @Test
    void transparentColourDoesNotBleedIntoNeighbours() {
        // red but fully transparent | opaque blue: premultiplied, the red is 0 and cannot leak
        byte[] px = {(byte) 255, 0, 0, 0, 0, 0, (byte) 255, (byte) 255};
        PillowImage out = PillowImage.of(PixelMode.RGBA, 2, 1, px).resize(6, 1, Filter.BILINEAR);
        for (int x = 0; x < 6; x++) assertEquals(0, out.sample(x, 0, 0), "red at " + x);
        // the same bands resampled straight would carry red into the middle
        byte[] straight = PillowResample.resample8(px, 2, 1, 4, 6, 1, Filter.BILINEAR);
        assertEquals(true, (straight[8] & 0xff) > 0);

        // LA the same way: grey 200 at alpha 0 next to grey 0 at alpha 255
        PillowImage la = PillowImage.of(PixelMode.LA, 2, 1, new byte[] {(byte) 200, 0, 0, (byte) 255}).resize(6, 1, Filter.BILINEAR);
        for (int x = 0; x < 6; x++) assertEquals(0, la.sample(x, 0, 0));
    }

    @Test
    void paletteAndBilevelUseNearestWhateverTheFilter() {
        byte[] palette = {(byte) 255, 0, 0, 0, (byte) 255, 0, 0, 0, (byte) 255, 9, 9, 9};
        PillowImage p = PillowImage.palette(2, 2, new byte[] {0, 1, 2, 3}, palette);
        PillowImage big = p.resize(4, 4, Filter.BICUBIC);
        assertEquals(PixelMode.P, big.mode());
        assertArrayEquals(new byte[] {0, 0, 1, 1, 0, 0, 1, 1, 2, 2, 3, 3, 2, 2, 3, 3}, big.samples());
        PillowImage rgb = big.toRgb();
        assertEquals(255, rgb.sample(3, 0, 1));
        assertEquals(9, rgb.sample(3, 3, 0));

        PillowImage one = PillowImage.of(PixelMode.BILEVEL, 2, 1, new byte[] {0, (byte) 255}).resize(4, 1, Filter.BICUBIC);
        assertArrayEquals(new byte[] {0, 0, (byte) 255, (byte) 255}, one.samples());
        assertArrayEquals(new byte[] {0, 0, 0, 0, 0, 0, (byte) 255, (byte) 255, (byte) 255, (byte) 255, (byte) 255, (byte) 255},
                one.toRgb().samples());
    }

    @Test
    void greyResizedThenReplicatedEqualsRgbOfGreyResized() {
        byte[] grey = new byte[9 * 7];
        for (int i = 0; i < grey.length; i++) grey[i] = (byte) (i * 29 % 256);
        PillowImage l = PillowImage.of(PixelMode.L, 9, 7, grey);
        byte[] rgb = new byte[grey.length * 3];
        for (int i = 0; i < grey.length; i++) rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = grey[i];
        PillowImage asRgb = PillowImage.of(PixelMode.RGB, 9, 7, rgb);
        assertEquals(asRgb.resize(5, 12, Filter.BICUBIC), l.resize(5, 12, Filter.BICUBIC).toRgb());
    }

    @Test
    void sixteenBitGreyIsResampledIn16BitsThenClamped() {
        short[] v = {1000, 1000, 1000, 1000};
        PillowImage i16 = PillowImage.grey16(2, 2, v);
        PillowImage big = i16.resize(3, 3, Filter.BICUBIC);
        assertEquals(PixelMode.I16, big.mode());
        assertEquals(1000, big.sample(1, 1, 0));
        assertEquals(255, big.toRgb().sample(1, 1, 0));
        PillowImage dark = PillowImage.grey16(2, 1, new short[] {40, 200}).resize(4, 1, Filter.BILINEAR);
        // 40 | 0.75·40 + 0.25·200 = 80 | 0.25·40 + 0.75·200 = 160 | 200, all below 255 so kept by convert('RGB')
        assertArrayEquals(new byte[] {40, 40, 40, 80, 80, 80, (byte) 160, (byte) 160, (byte) 160, (byte) 200, (byte) 200, (byte) 200},
                dark.toRgb().samples());
    }

    @Test
    void convertToLUsesPillowLuma() {
        PillowImage rgb = PillowImage.of(PixelMode.RGB, 3, 1, new byte[] {(byte) 255, 0, 0, 0, (byte) 255, 0, 0, 0, (byte) 255});
        // (R·19595 + G·38470 + B·7471 + 0x8000) >> 16
        assertArrayEquals(new byte[] {76, (byte) 150, 29}, rgb.toL().samples());
        PillowImage i16 = PillowImage.grey16(2, 1, new short[] {17, 300});
        assertArrayEquals(new byte[] {17, (byte) 255}, i16.toL().samples());
        PillowImage la = PillowImage.of(PixelMode.LA, 1, 1, new byte[] {42, 7});
        assertArrayEquals(new byte[] {42}, la.toL().samples());
    }

    @Test
    void sameSizeResizeIsTheImageItselfAndBadSizesAreRejected() {
        PillowImage l = PillowImage.of(PixelMode.L, 3, 2, new byte[6]);
        assertSame(l, l.resize(3, 2, Filter.BICUBIC));
        assertThrows(IllegalArgumentException.class, () -> l.resize(0, 2, Filter.BICUBIC));
        assertThrows(IllegalArgumentException.class, () -> PillowImage.of(PixelMode.RGB, 3, 2, new byte[6]));
        assertThrows(IllegalArgumentException.class, () -> PillowImage.palette(1, 1, new byte[1], new byte[800]));
    }
}
