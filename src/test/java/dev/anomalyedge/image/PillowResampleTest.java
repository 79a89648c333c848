package dev.anomalyedge.image;

import dev.anomalyedge.image.PillowResample.Filter;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PillowResampleTest {

    @Test
    void upsamplingAConstantImageStaysConstant() {
        for (Filter f : new Filter[] {Filter.BILINEAR, Filter.BICUBIC}) {
            byte[] src = new byte[5 * 3 * 3];
            for (int i = 0; i < src.length; i += 3) { src[i] = (byte) 200; src[i + 1] = 17; src[i + 2] = (byte) 255; }
            byte[] out = PillowResample.resample8(src, 5, 3, 3, 13, 11, f);
            for (int i = 0; i < out.length; i += 3) {
                assertEquals(200, out[i] & 0xff, f + " R");
                assertEquals(17, out[i + 1] & 0xff, f + " G");
                assertEquals(255, out[i + 2] & 0xff, f + " B");
            }
            short[] src16 = new short[4 * 4];
            Arrays.fill(src16, (short) 40000);
            for (short v : PillowResample.resample16(src16, 4, 4, 9, 7, f)) assertEquals(40000, v & 0xffff, f + " 16-bit");
        }
    }

    @Test
    void bilinearTwoToFourComputedByHand() {
        // scale 0.5: outputs read p0 | 0.75 p0 + 0.25 p1 | 0.25 p0 + 0.75 p1 | p1, rounded half up via the 2^21 bias
        byte[] out = PillowResample.resample8(new byte[] {0, 101}, 2, 1, 1, 4, 1, Filter.BILINEAR);
        assertArrayEquals(new int[] {0, 25, 76, 101}, unsigned(out));
        byte[] exactHalf = PillowResample.resample8(new byte[] {0, 100}, 2, 1, 1, 4, 1, Filter.BILINEAR);
        assertArrayEquals(new int[] {0, 25, 75, 100}, unsigned(exactHalf));
    }

    @Test
    void bicubicFourToTwoComputedByHand() {
        // scale 2 → filter scale 2, support 4. Output 0: centre 1, taps 0..3 at (x − 1 + 0.5)/2 = −0.25, 0.25, 0.75, 1.25;
        // K(±0.25) = 111/128, K(0.75) = 29/128, K(1.25) = −9/128; sum 242/128.
        PillowResample.Coefficients c = PillowResample.coefficients(4, 2, Filter.BICUBIC);
        assertEquals(9, c.taps);
        assertEquals(0, c.first[0]);
        assertEquals(4, c.count[0]);
        double[] expected = {111.0 / 242, 111.0 / 242, 29.0 / 242, -9.0 / 242};
        for (int j = 0; j < 4; j++) assertEquals(expected[j], c.weights[j], 1e-15);
        // output 1 mirrors output 0
        for (int j = 0; j < 4; j++) assertEquals(expected[3 - j], c.weights[c.taps + j], 1e-15);
        // fixed point rounds away from zero: int(w·2^22 ± 0.5)
        int[] k = c.fixedPoint();
        assertArrayEquals(new int[] {1923834, 1923834, 502623, -155987}, Arrays.copyOf(k, 4));
        // (2^21 + 10·k0 + 20·k1 + 30·k2 + 40·k3) >> 22 = 16, mirrored 34
        byte[] out = PillowResample.resample8(new byte[] {10, 20, 30, 40}, 4, 1, 1, 2, 1, Filter.BICUBIC);
        assertArrayEquals(new int[] {16, 34}, unsigned(out));
    }

    @Test
    void bicubicOvershootIsClippedTo8Bits() {
        byte[] step = {0, 0, 0, (byte) 255, (byte) 255, (byte) 255};
        int[] out = unsigned(PillowResample.resample8(step, 6, 1, 1, 24, 1, Filter.BICUBIC));
        int min = Arrays.stream(out).min().getAsInt();
        int max = Arrays.stream(out).max().getAsInt();
        assertEquals(0, min);
        assertEquals(255, max);
        // in 16 bits the ends stay exactly 0 and 65535
        short[] step16 = {0, 0, 0, (short) 65535, (short) 65535, (short) 65535};
        short[] out16 = PillowResample.resample16(step16, 6, 1, 24, 1, Filter.BICUBIC);
        assertEquals(0, out16[0] & 0xffff);
        assertEquals(65535, out16[23] & 0xffff);
    }

    @Test
    void pillowSixteenBitStoreClipsEachByte() {
        assertEquals(1234, PillowResample.store16(1234) & 0xffff);
        assertEquals(0, PillowResample.store16(-5) & 0xffff);
        assertEquals(0, PillowResample.store16(-256) & 0xffff);
        assertEquals(0xFF00 | (70000 & 0xFF), PillowResample.store16(70000) & 0xffff);
        assertEquals(3, PillowResample.roundUp(2.5));
        assertEquals(-3, PillowResample.roundUp(-2.5));
        assertEquals(2, PillowResample.roundUp(2.49));
    }

    @Test
    void unchangedDimensionSkipsItsPass() {
        // rows differ, columns are constant: resizing only the height must leave every row uniform,
        // and a width-only resize must not touch the vertical structure
        byte[] src = new byte[4 * 3];
        for (int y = 0; y < 3; y++) for (int x = 0; x < 4; x++) src[y * 4 + x] = (byte) (y * 100);
        byte[] tall = PillowResample.resample8(src, 4, 3, 1, 4, 7, Filter.BICUBIC);
        for (int y = 0; y < 7; y++) for (int x = 1; x < 4; x++) assertEquals(tall[y * 4], tall[y * 4 + x]);
        byte[] wide = PillowResample.resample8(src, 4, 3, 1, 9, 3, Filter.BICUBIC);
        for (int y = 0; y < 3; y++) for (int x = 0; x < 9; x++) assertEquals(y * 100, wide[y * 9 + x] & 0xff);
        // same size: a copy, not the caller's array
        byte[] same = PillowResample.resample8(src, 4, 3, 1, 4, 3, Filter.BICUBIC);
        assertArrayEquals(src, same);
        assertTrue(same != src);
    }

    @Test
    void horizontalPassRunsFirstWithUint8Intermediate() {
        byte[] src = new byte[7 * 5 * 3];
        for (int i = 0; i < src.length; i++) src[i] = (byte) ((i * 73 + 11) % 256);
        byte[] both = PillowResample.resample8(src, 7, 5, 3, 4, 9, Filter.BICUBIC);
        byte[] rows = PillowResample.resample8(src, 7, 5, 3, 4, 5, Filter.BICUBIC);
        byte[] thenColumns = PillowResample.resample8(rows, 4, 5, 3, 4, 9, Filter.BICUBIC);
        assertArrayEquals(thenColumns, both);
        byte[] columnsFirst = PillowResample.resample8(PillowResample.resample8(src, 7, 5, 3, 7, 9, Filter.BICUBIC), 7, 9, 3, 4, 9, Filter.BICUBIC);
        assertTrue(!Arrays.equals(columnsFirst, both), "this input is sensitive to the pass order");
    }

    @Test
    void nearestFollowsPillowSourcePositions() {
        // 3 → 5: positions 0.3, 0.9, 1.5, 2.1, 2.7
        assertArrayEquals(new int[] {1, 1, 2, 3, 3}, unsigned(PillowResample.nearest8(new byte[] {1, 2, 3}, 3, 1, 1, 5, 1)));
        // 5 → 2: positions 1.25, 3.75
        assertArrayEquals(new int[] {2, 4}, unsigned(PillowResample.nearest8(new byte[] {1, 2, 3, 4, 5}, 5, 1, 1, 2, 1)));
        // two bands move together, vertically too
        byte[] two = {10, 11, 20, 21};
        assertArrayEquals(new int[] {10, 11, 10, 11, 20, 21, 20, 21}, unsigned(PillowResample.nearest8(two, 1, 2, 2, 1, 4)));
        short[] n16 = PillowResample.nearest16(new short[] {1, 2, 3}, 3, 1, 5, 1);
        assertArrayEquals(new short[] {1, 1, 2, 3, 3}, n16);
    }

    @Test
    void badArgumentsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> PillowResample.resample8(new byte[5], 2, 2, 1, 3, 3, Filter.BICUBIC));
        assertThrows(IllegalArgumentException.class, () -> PillowResample.resample8(new byte[4], 2, 2, 1, 0, 3, Filter.BICUBIC));
    }

    private static int[] unsigned(byte[] b) {
        int[] out = new int[b.length];
        for (int i = 0; i < b.length; i++) out[i] = b[i] & 0xff;
        return out;
    }
}
