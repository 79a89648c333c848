package dev.anomalyedge.training.data;

import dev.anomalyedge.synthetic.SyntheticParts;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PseudoAnomaliesTest {
    private static final BufferedImage PART = SyntheticParts.generate(96, 5, SyntheticParts.Defect.NONE).image();

    @Test
    void sameSeedSameBytesOtherSeedOtherPixels() throws IOException {
        for (PseudoAnomalies.Method m : PseudoAnomalies.Method.values()) {
            PseudoAnomalies.Result a = run(m, PART, 42);
            PseudoAnomalies.Result b = run(m, PART, 42);
            assertArrayEquals(png(a.image()), png(b.image()), m + " image");
            assertArrayEquals(png(a.mask()), png(b.mask()), m + " mask");
            PseudoAnomalies.Result c = run(m, PART, 43);
            assertFalse(java.util.Arrays.equals(pixels(a.image()), pixels(c.image())), m + " differs for another seed");
            assertEquals(m, a.method());
        }
    }

    @Test
    void cutPasteChangesOnlyInsideANonEmptyMask() {
        for (long seed = 0; seed < 20; seed++) {
            for (boolean scar : new boolean[] {false, true}) {
                PseudoAnomalies.Result r = PseudoAnomalies.cutPaste(PART, seed, scar, seed % 2 == 0);
                boolean[] mask = maskBits(r.mask());
                boolean[] changed = changed(PART, r.image());
                int inMask = 0;
                int changedInMask = 0;
                for (int p = 0; p < mask.length; p++) {
                    assertTrue(mask[p] || !changed[p], "pixel " + p + " changed outside the mask, seed " + seed);
                    inMask += mask[p] ? 1 : 0;
                    changedInMask += mask[p] && changed[p] ? 1 : 0;
                }
                assertTrue(inMask > 0, "mask never empty");
                assertTrue(4 * changedInMask >= inMask, "at least a quarter of the footprint changed");
                if (!scar) {
                    double area = inMask / (96.0 * 96.0);
                    assertTrue(area >= 0.015 && area <= 0.16, "rectangle covers 2-15 % of the image: " + area);
                } else {
                    assertTrue(inMask < 96 * 96 / 20, "a scar is thin: " + inMask);
                }
            }
        }
    }

    @Test
    void draemMaskIsExactlyTheChangedPixels() {
        BufferedImage texture = SyntheticParts.generate(40, 9, SyntheticParts.Defect.SPOT).image();
        for (long seed = 0; seed < 12; seed++) {
            PseudoAnomalies.Result r = PseudoAnomalies.draem(PART, seed % 2 == 0 ? null : texture, seed);
            assertArrayEquals(changed(PART, r.image()), maskBits(r.mask()), "seed " + seed);
            assertTrue(count(maskBits(r.mask())) >= 96 * 96 / 500, "never (nearly) empty, seed " + seed);
        }
        // beta = 1 replaces the region by the texture
        PseudoAnomalies.Result full = PseudoAnomalies.draem(PART, texture, 3, 1.0);
        assertArrayEquals(changed(PART, full.image()), maskBits(full.mask()));
        assertThrows(IllegalArgumentException.class, () -> PseudoAnomalies.draem(PART, null, 1, 0.05));
        assertThrows(IllegalArgumentException.class, () -> PseudoAnomalies.draem(PART, null, 1, 1.2));
    }

    @Test
    void maskIsBinaryGreyAndTheInputIsUntouched() {
        int[] before = pixels(PART);
        for (PseudoAnomalies.Method m : PseudoAnomalies.Method.values()) {
            PseudoAnomalies.Result r = run(m, PART, 8);
            assertEquals(BufferedImage.TYPE_BYTE_GRAY, r.mask().getType());
            assertEquals(BufferedImage.TYPE_INT_RGB, r.image().getType());
            assertEquals(96, r.mask().getWidth());
            for (int y = 0; y < 96; y++) {
                for (int x = 0; x < 96; x++) {
                    int v = r.mask().getRaster().getSample(x, y, 0);
                    assertTrue(v == 0 || v == 255, "mask value " + v);
                }
            }
        }
        assertArrayEquals(before, pixels(PART));
    }

    /** A flat image: pasting or blending a copy of itself changes nothing, so the last-resort inversion kicks in. */
    @Test
    void flatImageStillGetsAVisibleAnomaly() {
        BufferedImage flat = new BufferedImage(32, 32, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 32; y++) {
            for (int x = 0; x < 32; x++) {
                flat.getRaster().setSample(x, y, 0, 90);
            }
        }
        PseudoAnomalies.Result cp = PseudoAnomalies.cutPaste(flat, 1, false, false);
        boolean[] mask = maskBits(cp.mask());
        assertTrue(count(mask) > 0);
        assertArrayEquals(mask, changed(flat, cp.image()), "inverted footprint: every mask pixel changed");
        assertEquals(0x5A5A5A, pixels(flat)[0] & 0xFFFFFF, "grey is replicated into RGB, not colour-converted");

        PseudoAnomalies.Result d = PseudoAnomalies.draem(flat, flat, 1);
        assertTrue(count(maskBits(d.mask())) > 0);
        assertArrayEquals(maskBits(d.mask()), changed(flat, d.image()));
    }

    @Test
    void synthesizePicksEveryMethod() {
        java.util.Set<PseudoAnomalies.Method> seen = java.util.EnumSet.noneOf(PseudoAnomalies.Method.class);
        for (long seed = 0; seed < 12; seed++) {
            PseudoAnomalies.Result r = PseudoAnomalies.synthesize(PART, seed, List.of());
            seen.add(r.method());
            assertTrue(count(maskBits(r.mask())) > 0);
        }
        assertEquals(3, seen.size(), seen.toString());
        assertEquals("pseudo_cutpaste_scar", PseudoAnomalies.Method.CUTPASTE_SCAR.defectType());
    }

    private static PseudoAnomalies.Result run(PseudoAnomalies.Method m, BufferedImage img, long seed) {
        return switch (m) {
            case CUTPASTE -> PseudoAnomalies.cutPaste(img, seed);
            case CUTPASTE_SCAR -> PseudoAnomalies.cutPaste(img, seed, true, true);
            case DRAEM -> PseudoAnomalies.draem(img, null, seed);
        };
    }

    /** RGB as PseudoAnomalies sees it (grey replicated). */
    static int[] pixels(BufferedImage img) {
        return PseudoAnomalies.Rgb.of(img).px();
    }

    static boolean[] changed(BufferedImage before, BufferedImage after) {
        int[] a = pixels(before);
        int[] b = pixels(after);
        boolean[] c = new boolean[a.length];
        for (int i = 0; i < a.length; i++) {
            c[i] = a[i] != b[i];
        }
        return c;
    }

    static boolean[] maskBits(BufferedImage mask) {
        int w = mask.getWidth();
        boolean[] m = new boolean[w * mask.getHeight()];
        for (int i = 0; i < m.length; i++) {
            m[i] = mask.getRaster().getSample(i % w, i / w, 0) > 0;
        }
        return m;
    }

    static int count(boolean[] b) {
        int n = 0;
        for (boolean v : b) {
            n += v ? 1 : 0;
        }
        return n;
    }

    static byte[] png(BufferedImage img) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }
}
