package dev.anomalyedge.image;

import dev.anomalyedge.image.PillowResample.Filter;

import java.util.Arrays;

/**
 * An immutable decoded image that behaves like a Pillow image of the same {@link PixelMode} under
 * {@code resize((w, h), filter)}, {@code convert('RGB')} and {@code convert('L')} — the operations AnomalyCLIP's
 * pre-processing performs (docs/method.md §4). Pillow version followed: 11.x / 12.x.
 *
 * <p>Storage: 8-bit modes hold {@code bands} interleaved samples per pixel, rows top to bottom; {@link PixelMode#BILEVEL}
 * stores 0/255; {@link PixelMode#P} holds indices plus a 256-entry RGB palette; {@link PixelMode#I16} holds unsigned
 * 16-bit samples.
 *
 * <p>How Pillow resizes each mode, reproduced by {@link #resize}:
 * <ul>
 *   <li>"1" and "P": always nearest neighbour, whatever filter is asked for (palette indices cannot be blended).</li>
 *   <li>"LA" and "RGBA" (filter other than nearest): converted to premultiplied "La"/"RGBa"
 *       ({@code c' = MULDIV255(c, a)}), all bands resampled, converted back ({@code c = clip8(255·c'/a)} for
 *       {@code 0 < a < 255}). {@code convert('RGB')} afterwards simply drops alpha — there is no compositing on a
 *       background, so fully transparent areas come out as their (premultiplied, usually black) colour.</li>
 *   <li>"I;16": resampled natively in 16 bits (Pillow ≥ 11.0; see {@link PillowResample}); {@code convert('RGB')}
 *       then clamps to 255 ({@code v > 255 → 255}), so ordinary 16-bit images (values ≫ 255) come out nearly
 *       white — that is what the reference sees. Pillow 10.x opened 16-bit PNGs as "I" (int32) and resized in
 *       32 bits; the result after {@code convert('RGB')} differs only where the bicubic overshoot leaves [0, 65535]
 *       in the intermediate row pass.</li>
 *   <li>"L", "RGB": resampled per band in 8 bits.</li>
 * </ul>
 */
public final class PillowImage {
    private final PixelMode mode;
    private final int width;
    private final int height;
    private final byte[] pixels;   // 8-bit modes
    private final short[] pixels16; // I;16
    private final byte[] palette;  // P: 256 × RGB

    private PillowImage(PixelMode mode, int width, int height, byte[] pixels, short[] pixels16, byte[] palette) {
        if (width < 1 || height < 1) throw new IllegalArgumentException("image size " + width + "x" + height + " must be positive");
        long n = (long) width * height * mode.bands();
        if (mode == PixelMode.I16) {
            if (pixels16 == null || pixels16.length != n) throw new IllegalArgumentException(mode + " image " + width + "x" + height + " needs " + n + " samples");
        } else if (pixels == null || pixels.length != n) {
            throw new IllegalArgumentException(mode + " image " + width + "x" + height + " needs " + n + " samples, got "
                    + (pixels == null ? "none" : pixels.length));
        }
        if (mode == PixelMode.P && (palette == null || palette.length != 256 * 3)) {
            throw new IllegalArgumentException("palette image needs a 256-entry RGB palette");
        }
        this.mode = mode;
        this.width = width;
        this.height = height;
        this.pixels = pixels;
        this.pixels16 = pixels16;
        this.palette = palette;
    }

    /** An 8-bit image of mode L, LA, RGB, RGBA or 1 (0/255 samples); the array is copied. */
    public static PillowImage of(PixelMode mode, int width, int height, byte[] samples) {
        if (mode == PixelMode.P || mode == PixelMode.I16) throw new IllegalArgumentException("use palette(...) or grey16(...) for " + mode);
        return new PillowImage(mode, width, height, samples.clone(), null, null);
    }

    /**
     * A palette image; {@code rgbPalette} holds up to 256 RGB triples, the entries it does not cover are Pillow's
     * default grey ramp {@code (i, i, i)}. Arrays are copied.
     */
    public static PillowImage palette(int width, int height, byte[] indices, byte[] rgbPalette) {
        return new PillowImage(PixelMode.P, width, height, indices.clone(), null, fullPalette(rgbPalette));
    }

    /** A 16-bit grey image (samples read unsigned); the array is copied. */
    public static PillowImage grey16(int width, int height, short[] samples) {
        return new PillowImage(PixelMode.I16, width, height, null, samples.clone(), null);
    }

    /** Wraps arrays without copying: for this package's decoders and resamplers, which hand over ownership. */
    static PillowImage wrap(PixelMode mode, int width, int height, byte[] pixels) {
        return new PillowImage(mode, width, height, pixels, null, null);
    }

    static PillowImage wrapPalette(int width, int height, byte[] indices, byte[] fullPalette) {
        return new PillowImage(PixelMode.P, width, height, indices, null, fullPalette);
    }

    static PillowImage wrap16(int width, int height, short[] pixels16) {
        return new PillowImage(PixelMode.I16, width, height, null, pixels16, null);
    }

    static byte[] fullPalette(byte[] rgbPalette) {
        if (rgbPalette.length > 256 * 3 || rgbPalette.length % 3 != 0) {
            throw new IllegalArgumentException("palette must hold at most 256 RGB triples, got " + rgbPalette.length + " bytes");
        }
        byte[] full = new byte[256 * 3];
        for (int i = 0; i < 256; i++) full[3 * i] = full[3 * i + 1] = full[3 * i + 2] = (byte) i;
        System.arraycopy(rgbPalette, 0, full, 0, rgbPalette.length);
        return full;
    }

    public PixelMode mode() { return mode; }

    public int width() { return width; }

    public int height() { return height; }

    /** One sample (unsigned); for P the palette index, for I;16 the 16-bit value. */
    public int sample(int x, int y, int band) {
        if (x < 0 || x >= width || y < 0 || y >= height || band < 0 || band >= mode.bands()) {
            throw new IndexOutOfBoundsException("(" + x + ", " + y + ", band " + band + ") outside " + this);
        }
        int i = (y * width + x) * mode.bands() + band;
        return mode == PixelMode.I16 ? pixels16[i] & 0xffff : pixels[i] & 0xff;
    }

    /** A copy of the 8-bit samples, interleaved (not for I;16). */
    public byte[] samples() {
        if (pixels == null) throw new IllegalStateException(mode + " has 16-bit samples; use samples16()");
        return pixels.clone();
    }

    /** A copy of the 16-bit samples (I;16 only). */
    public short[] samples16() {
        if (pixels16 == null) throw new IllegalStateException(mode + " has 8-bit samples; use samples()");
        return pixels16.clone();
    }

    /** A copy of the 256-entry RGB palette (P only). */
    public byte[] palette() {
        if (palette == null) throw new IllegalStateException(mode + " has no palette");
        return palette.clone();
    }

    /** Pillow's {@code Image.resize((width, height), filter)} for this mode (see the class comment). */
    public PillowImage resize(int newWidth, int newHeight, Filter filter) {
        if (newWidth < 1 || newHeight < 1) throw new IllegalArgumentException("resize to " + newWidth + "x" + newHeight + ": size must be positive");
        if (newWidth == width && newHeight == height) return this;
        if (mode == PixelMode.BILEVEL || mode == PixelMode.P) filter = Filter.NEAREST;
        int bands = mode.bands();
        if (filter == Filter.NEAREST) {
            if (mode == PixelMode.I16) return wrap16(newWidth, newHeight, PillowResample.nearest16(pixels16, width, height, newWidth, newHeight));
            byte[] out = PillowResample.nearest8(pixels, width, height, bands, newWidth, newHeight);
            return mode == PixelMode.P ? wrapPalette(newWidth, newHeight, out, palette) : wrap(mode, newWidth, newHeight, out);
        }
        if (mode == PixelMode.I16) {
            return wrap16(newWidth, newHeight, PillowResample.resample16(pixels16, width, height, newWidth, newHeight, filter));
        }
        if (mode == PixelMode.LA || mode == PixelMode.RGBA) {
            byte[] premultiplied = Alpha.premultiply(pixels, bands);
            byte[] resized = PillowResample.resample8(premultiplied, width, height, bands, newWidth, newHeight, filter);
            return wrap(mode, newWidth, newHeight, Alpha.unpremultiply(resized, bands));
        }
        return wrap(mode, newWidth, newHeight, PillowResample.resample8(pixels, width, height, bands, newWidth, newHeight, filter));
    }

    /** Pillow's {@code convert('RGB')}: grey replicated, alpha dropped, palette looked up, I;16 clamped to 255. */
    public PillowImage toRgb() {
        if (mode == PixelMode.RGB) return this;
        int n = width * height;
        byte[] out = new byte[n * 3];
        for (int i = 0; i < n; i++) {
            int r;
            int g;
            int b;
            switch (mode) {
                case BILEVEL: r = g = b = pixels[i] != 0 ? 255 : 0; break;
                case L: r = g = b = pixels[i] & 0xff; break;
                case LA: r = g = b = pixels[2 * i] & 0xff; break;
                case RGBA: r = pixels[4 * i] & 0xff; g = pixels[4 * i + 1] & 0xff; b = pixels[4 * i + 2] & 0xff; break;
                case P: {
                    int p = (pixels[i] & 0xff) * 3;
                    r = palette[p] & 0xff; g = palette[p + 1] & 0xff; b = palette[p + 2] & 0xff;
                    break;
                }
                case I16: r = g = b = Math.min(pixels16[i] & 0xffff, 255); break;
                default: throw new IllegalStateException("unexpected mode " + mode);
            }
            out[3 * i] = (byte) r;
            out[3 * i + 1] = (byte) g;
            out[3 * i + 2] = (byte) b;
        }
        return wrap(PixelMode.RGB, width, height, out);
    }

    /**
     * Pillow's {@code convert('L')}: ITU-R 601-2 luma {@code (19595 R + 38470 G + 7471 B + 0x8000) >> 16} for RGB,
     * RGBA (alpha ignored) and palette colours; grey of LA; I;16 clamped to 255.
     */
    public PillowImage toL() {
        if (mode == PixelMode.L) return this;
        int n = width * height;
        byte[] out = new byte[n];
        for (int i = 0; i < n; i++) {
            int v;
            switch (mode) {
                case BILEVEL: v = pixels[i] != 0 ? 255 : 0; break;
                case LA: v = pixels[2 * i] & 0xff; break;
                case RGB: v = luma(pixels, 3 * i); break;
                case RGBA: v = luma(pixels, 4 * i); break;
                case P: v = luma(palette, (pixels[i] & 0xff) * 3); break;
                case I16: v = Math.min(pixels16[i] & 0xffff, 255); break;
                default: throw new IllegalStateException("unexpected mode " + mode);
            }
            out[i] = (byte) v;
        }
        return wrap(PixelMode.L, width, height, out);
    }

    private static int luma(byte[] rgb, int at) {
        return ((rgb[at] & 0xff) * 19595 + (rgb[at + 1] & 0xff) * 38470 + (rgb[at + 2] & 0xff) * 7471 + 0x8000) >> 16;
    }

    /** Pillow's premultiplication ({@code rgbA2rgba}, {@code lA2la}) and its inverse ({@code rgba2rgbA}, {@code la2lA}). */
    static final class Alpha {
        private Alpha() {}

        /** {@code c' = MULDIV255(c, a) = ((t >> 8) + t) >> 8} with {@code t = c·a + 128}. */
        static byte[] premultiply(byte[] px, int bands) {
            byte[] out = px.clone();
            for (int p = 0; p < px.length; p += bands) {
                int a = px[p + bands - 1] & 0xff;
                for (int c = 0; c < bands - 1; c++) {
                    int t = (px[p + c] & 0xff) * a + 128;
                    out[p + c] = (byte) (((t >> 8) + t) >> 8);
                }
            }
            return out;
        }

        /** {@code c = clip8(255·c' / a)} (integer division) unless {@code a} is 0 or 255. */
        static byte[] unpremultiply(byte[] px, int bands) {
            for (int p = 0; p < px.length; p += bands) {
                int a = px[p + bands - 1] & 0xff;
                if (a == 0 || a == 255) continue;
                for (int c = 0; c < bands - 1; c++) {
                    px[p + c] = (byte) Math.min(255 * (px[p + c] & 0xff) / a, 255);
                }
            }
            return px;
        }
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof PillowImage)) return false;
        PillowImage other = (PillowImage) o;
        return mode == other.mode && width == other.width && height == other.height && Arrays.equals(pixels, other.pixels)
                && Arrays.equals(pixels16, other.pixels16) && Arrays.equals(palette, other.palette);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * mode.hashCode() + width) + height;
    }

    @Override
    public String toString() {
        return "PillowImage[" + mode.pillowName() + " " + width + "x" + height + "]";
    }
}
