package dev.anomalyedge.tensor;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HalfTest {
    private static short h(int bits) {
        return (short) bits;
    }

    private static int bits(float f) {
        return Half.fromFloat(f) & 0xffff;
    }

    @Test
    void normalValuesConvertExactlyBothWays() {
        assertEquals(1f, Half.toFloat(h(0x3c00)));
        assertEquals(-2f, Half.toFloat(h(0xc000)));
        assertEquals(65504f, Half.toFloat(h(0x7bff)), "largest half");
        assertEquals(0x1p-14f, Half.toFloat(h(0x0400)), "smallest normal");
        assertEquals(0x3c00, bits(1f));
        assertEquals(0x7bff, bits(65504f));
        for (int b = 0; b < 0x7c00; b++) { // every finite positive half survives the round trip, and its negative too
            assertEquals(b, bits(Half.toFloat(h(b))), "0x" + Integer.toHexString(b));
            assertEquals(b | 0x8000, bits(Half.toFloat(h(b | 0x8000))), "-0x" + Integer.toHexString(b));
        }
    }

    @Test
    void subnormalsAndSignedZeros() {
        assertEquals(0x1p-24f, Half.toFloat(h(0x0001)), "smallest subnormal");
        assertEquals(0x3ffp-24f, Half.toFloat(h(0x03ff)), "largest subnormal");
        assertEquals(-0x1p-24f, Half.toFloat(h(0x8001)));
        assertEquals(0x0001, bits(0x1p-24f));
        assertEquals(0x0200, bits(0x1p-15f));
        assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(Half.toFloat(h(0x8000))));
        assertEquals(0x8000, bits(-0f));
        assertEquals(0x0000, bits(0x1p-26f), "below half the smallest subnormal: zero");
        assertEquals(0x0000, bits(0x1p-25f), "exactly half the smallest subnormal: ties to even (zero)");
        assertEquals(0x0001, bits(0x1.8p-25f), "above half: rounds up to the smallest subnormal");
        assertEquals(0x0002, bits(0x3p-25f), "1.5 subnormal steps: ties to even (2)");
    }

    @Test
    void infinityNanAndOverflow() {
        assertEquals(Float.POSITIVE_INFINITY, Half.toFloat(h(0x7c00)));
        assertEquals(Float.NEGATIVE_INFINITY, Half.toFloat(h(0xfc00)));
        assertTrue(Float.isNaN(Half.toFloat(h(0x7e00))));
        assertEquals(0x7c00, bits(Float.POSITIVE_INFINITY));
        assertEquals(0xfc00, bits(Float.NEGATIVE_INFINITY));
        int nan = bits(Float.NaN);
        assertEquals(0x7c00, nan & 0x7c00, "NaN keeps an all-ones exponent");
        assertTrue((nan & 0x3ff) != 0, "and a non-zero mantissa (not infinity)");
        assertEquals(0x7c00, bits(65536f), "overflow gives infinity");
        assertEquals(0x7c00, bits(65520f), "halfway above the largest half rounds to even: infinity");
        assertEquals(0x7bff, bits(65519f), "below halfway stays at the largest half");
    }

    @Test
    void roundsToNearestEven() {
        // between 1 and the next half (1 + 2^-10): a tie goes to the even mantissa, anything else to the nearer one
        assertEquals(0x3c00, bits(1f + 0x1p-11f), "tie to even (down)");
        assertEquals(0x3c02, bits(1f + 3 * 0x1p-11f), "tie to even (up)");
        assertEquals(0x3c01, bits(1f + 0x1p-11f + 0x1p-20f), "above the tie");
        assertEquals(0x3c00, bits(1f + 0x1p-11f - 0x1p-20f), "below the tie");
        assertEquals(0x4000, bits(2f - 0x1p-12f), "a carry into the exponent");
        assertEquals(1f + 0x1p-10f, Half.round(1f + 0x1p-11f + 0x1p-20f));
        assertEquals(0.0999755859375f, Half.round(0.1f), "PyTorch's torch.tensor(0.1).half()");
    }

    @Test
    void bfloat16IsTheTopHalfOfAFloat() {
        assertEquals(1f, Half.bf16ToFloat(h(0x3f80)));
        assertEquals(-2f, Half.bf16ToFloat(h(0xc000)));
        assertEquals(Float.POSITIVE_INFINITY, Half.bf16ToFloat(h(0x7f80)));
        assertEquals(Float.intBitsToFloat(0x3f810000), Half.bf16ToFloat(h(0x3f81)));
    }
}
