package dev.anomalyedge.image;

/**
 * Pillow's resampling ({@code libImaging/Resample.c} and the nearest-neighbour scale of {@code Geometry.c}),
 * reproduced bit for bit for a full-image resize (no box, no {@code reducing_gap}). Spec section 4.1.
 *
 * <p>Separable convolution: a horizontal pass first, then a vertical one; a pass is skipped when its dimension does
 * not change. For an axis of input length {@code n} and output length {@code m}: {@code scale = n/m},
 * {@code fs = max(scale, 1)}, {@code support = K.support·fs}; output {@code i} has {@code center = (i + 0.5)·scale},
 * taps {@code xmin = max(int(center − support + 0.5), 0) .. min(int(center + support + 0.5), n) − 1} with weights
 * {@code K((j − center + 0.5)·(1/fs))} normalised to sum 1.
 *
 * <ul>
 *   <li>8-bit images: weights in fixed point with 22 fractional bits ({@code int(w·2²² ± 0.5)}, rounding away from
 *       zero), {@code out = clip8((2²¹ + Σ k·p) >> 22)}; the horizontal pass stores uint8.</li>
 *   <li>16-bit images (Pillow ≥ 11 resizes I;16 natively): double accumulation, {@code ROUND_UP} (add ±0.5,
 *       truncate), stored as two bytes each clipped to [0, 255] — which maps negatives to 0 and values above 65535
 *       to {@code 0xFF00 | (v & 0xFF)}, exactly as Pillow does.</li>
 * </ul>
 * Buffers are row-major with {@code bands} interleaved samples per pixel.
 */
public final class PillowResample {
    private PillowResample() {}

    private static final int PRECISION_BITS = 32 - 8 - 2;

    /** Resampling kernels with Pillow's support radii. */
    public enum Filter {
        NEAREST(0.0),
        BILINEAR(1.0),
        BICUBIC(2.0);

        final double support;

        Filter(double support) { this.support = support; }

        /** The kernel value; written with Pillow's operation order so that doubles match bit for bit. */
        double kernel(double x) {
            if (x < 0.0) x = -x;
            switch (this) {
                case BILINEAR:
                    return x < 1.0 ? 1.0 - x : 0.0;
                case BICUBIC: {
                    final double a = -0.5;
                    if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
                    if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
                    return 0.0;
                }
                default:
                    throw new IllegalStateException("nearest neighbour has no kernel");
            }
        }
    }

    /**
     * Normalised weights for one axis: output {@code i} reads inputs {@code first[i] .. first[i] + count[i] − 1} with
     * weights {@code weights[i·taps + j]}.
     */
    static final class Coefficients {
        final int taps;
        final int[] first;
        final int[] count;
        final double[] weights;

        private Coefficients(int taps, int[] first, int[] count, double[] weights) {
            this.taps = taps;
            this.first = first;
            this.count = count;
            this.weights = weights;
        }

        /** The weights as Pillow's 8-bit path uses them: fixed point with 22 fractional bits. */
        int[] fixedPoint() {
            int[] k = new int[weights.length];
            for (int i = 0; i < weights.length; i++) {
                double w = weights[i];
                k[i] = w < 0 ? (int) (-0.5 + w * (1 << PRECISION_BITS)) : (int) (0.5 + w * (1 << PRECISION_BITS));
            }
            return k;
        }
    }

    /** Pillow's {@code precompute_coeffs} for a full-range box {@code [0, inSize)}. */
    static Coefficients coefficients(int inSize, int outSize, Filter filter) {
        double scale = (double) (float) inSize / outSize; // Pillow: (double)(in1 - in0) / outSize, box held as float
        double filterScale = Math.max(scale, 1.0);
        double support = filter.support * filterScale;
        int taps = (int) Math.ceil(support) * 2 + 1;
        int[] first = new int[outSize];
        int[] count = new int[outSize];
        double[] weights = new double[Math.multiplyExact(outSize, taps)];
        double ss = 1.0 / filterScale;
        for (int xx = 0; xx < outSize; xx++) {
            double center = (xx + 0.5) * scale;
            int xmin = Math.max((int) (center - support + 0.5), 0);
            int xmax = Math.min((int) (center + support + 0.5), inSize) - xmin;
            double sum = 0.0;
            int base = xx * taps;
            for (int x = 0; x < xmax; x++) {
                double w = filter.kernel((x + xmin - center + 0.5) * ss);
                weights[base + x] = w;
                sum += w;
            }
            if (sum != 0.0) {
                for (int x = 0; x < xmax; x++) weights[base + x] /= sum;
            }
            first[xx] = xmin;
            count[xx] = xmax;
        }
        return new Coefficients(taps, first, count, weights);
    }

    /** Resizes an 8-bit image {@code [height, width, bands]} with a convolution filter (BILINEAR or BICUBIC). */
    public static byte[] resample8(byte[] src, int width, int height, int bands, int outWidth, int outHeight, Filter filter) {
        checkArgs(src.length, width, height, bands, outWidth, outHeight, filter);
        byte[] cur = src;
        int curWidth = width;
        if (outWidth != width) {
            Coefficients c = coefficients(width, outWidth, filter);
            int[] k = c.fixedPoint();
            byte[] out = new byte[outWidth * height * bands];
            for (int y = 0; y < height; y++) {
                int rowIn = y * width * bands;
                int rowOut = y * outWidth * bands;
                for (int xx = 0; xx < outWidth; xx++) {
                    int kb = xx * c.taps;
                    int xmin = c.first[xx];
                    for (int b = 0; b < bands; b++) {
                        int ss = 1 << (PRECISION_BITS - 1);
                        for (int x = 0; x < c.count[xx]; x++) {
                            ss += (cur[rowIn + (x + xmin) * bands + b] & 0xff) * k[kb + x];
                        }
                        out[rowOut + xx * bands + b] = clip8(ss);
                    }
                }
            }
            cur = out;
            curWidth = outWidth;
        }
        if (outHeight != height) {
            Coefficients c = coefficients(height, outHeight, filter);
            int[] k = c.fixedPoint();
            int rowLen = curWidth * bands;
            byte[] out = new byte[outHeight * rowLen];
            for (int yy = 0; yy < outHeight; yy++) {
                int kb = yy * c.taps;
                int ymin = c.first[yy];
                for (int i = 0; i < rowLen; i++) {
                    int ss = 1 << (PRECISION_BITS - 1);
                    for (int y = 0; y < c.count[yy]; y++) {
                        ss += (cur[(y + ymin) * rowLen + i] & 0xff) * k[kb + y];
                    }
                    out[yy * rowLen + i] = clip8(ss);
                }
            }
            cur = out;
        }
        return cur == src ? src.clone() : cur;
    }

    /** Resizes a 16-bit grey image {@code [height, width]} (values unsigned) with a convolution filter. */
    public static short[] resample16(short[] src, int width, int height, int outWidth, int outHeight, Filter filter) {
        checkArgs(src.length, width, height, 1, outWidth, outHeight, filter);
        short[] cur = src;
        int curWidth = width;
        if (outWidth != width) {
            Coefficients c = coefficients(width, outWidth, filter);
            short[] out = new short[outWidth * height];
            for (int y = 0; y < height; y++) {
                for (int xx = 0; xx < outWidth; xx++) {
                    double ss = 0.0;
                    for (int x = 0; x < c.count[xx]; x++) {
                        ss += (cur[y * width + x + c.first[xx]] & 0xffff) * c.weights[xx * c.taps + x];
                    }
                    out[y * outWidth + xx] = store16(roundUp(ss));
                }
            }
            cur = out;
            curWidth = outWidth;
        }
        if (outHeight != height) {
            Coefficients c = coefficients(height, outHeight, filter);
            short[] out = new short[outHeight * curWidth];
            for (int yy = 0; yy < outHeight; yy++) {
                for (int xx = 0; xx < curWidth; xx++) {
                    double ss = 0.0;
                    for (int y = 0; y < c.count[yy]; y++) {
                        ss += (cur[(y + c.first[yy]) * curWidth + xx] & 0xffff) * c.weights[yy * c.taps + y];
                    }
                    out[yy * curWidth + xx] = store16(roundUp(ss));
                }
            }
            cur = out;
        }
        return cur == src ? src.clone() : cur;
    }

    /**
     * Pillow's nearest-neighbour resize for 8-bit images ({@code ImagingScaleAffine}): source positions accumulate
     * {@code scale} in double from {@code scale/2}; a source index outside the image leaves the output 0.
     */
    public static byte[] nearest8(byte[] src, int width, int height, int bands, int outWidth, int outHeight) {
        checkArgs(src.length, width, height, bands, outWidth, outHeight, Filter.NEAREST);
        int[] xIn = new int[outWidth];
        double ax = (double) (float) width / outWidth;
        double xo = ax * 0.5;
        for (int x = 0; x < outWidth; x++) {
            int xi = coord(xo);
            xIn[x] = xi < width ? xi : -1;
            xo += ax;
        }
        double ay = (double) (float) height / outHeight;
        double yo = ay * 0.5;
        byte[] out = new byte[outWidth * outHeight * bands];
        for (int y = 0; y < outHeight; y++) {
            int yi = coord(yo);
            yo += ay;
            if (yi < 0 || yi >= height) continue;
            for (int x = 0; x < outWidth; x++) {
                if (xIn[x] < 0) continue;
                System.arraycopy(src, (yi * width + xIn[x]) * bands, out, (y * outWidth + x) * bands, bands);
            }
        }
        return out;
    }

    /**
     * Pillow's nearest-neighbour resize for I;16 (a "special" mode, so the generic affine transform:
     * source {@code COORD(scale·(x + 0.5))}, multiplied rather than accumulated).
     */
    public static short[] nearest16(short[] src, int width, int height, int outWidth, int outHeight) {
        checkArgs(src.length, width, height, 1, outWidth, outHeight, Filter.NEAREST);
        double ax = (double) (float) width / outWidth;
        double ay = (double) (float) height / outHeight;
        short[] out = new short[outWidth * outHeight];
        for (int y = 0; y < outHeight; y++) {
            int yi = coord(ay * (y + 0.5));
            if (yi < 0 || yi >= height) continue;
            for (int x = 0; x < outWidth; x++) {
                int xi = coord(ax * (x + 0.5));
                if (xi >= 0 && xi < width) out[y * outWidth + x] = src[yi * width + xi];
            }
        }
        return out;
    }

    /** Pillow's {@code clip8}: the fixed-point sum shifted down, clamped to [0, 255]. */
    static byte clip8(int ss) {
        int v = ss >> PRECISION_BITS;
        return (byte) (v < 0 ? 0 : Math.min(v, 255));
    }

    /** Pillow's {@code ROUND_UP}: add ±0.5 and truncate toward zero. */
    static int roundUp(double f) {
        return (int) (f >= 0.0 ? f + 0.5 : f - 0.5);
    }

    /** Pillow's 16-bit store: low byte {@code CLIP8(v % 256)}, high byte {@code CLIP8(v >> 8)} (C remainder). */
    static short store16(int v) {
        int low = clipByte(v % 256);
        int high = clipByte(v >> 8);
        return (short) ((high << 8) | low);
    }

    private static int clipByte(int v) {
        return v <= 0 ? 0 : Math.min(v, 255);
    }

    /** Pillow's {@code COORD}: −1 for negative positions, else truncation. */
    private static int coord(double v) {
        return v < 0.0 ? -1 : (int) v;
    }

    private static void checkArgs(int length, int width, int height, int bands, int outWidth, int outHeight, Filter filter) {
        if (width < 1 || height < 1 || outWidth < 1 || outHeight < 1 || bands < 1) {
            throw new IllegalArgumentException("resample " + width + "x" + height + "x" + bands + " -> " + outWidth + "x" + outHeight
                    + ": sizes must be positive");
        }
        if ((long) width * height * bands != length) {
            throw new IllegalArgumentException("resample: buffer holds " + length + " samples, expected " + width + "x" + height + "x" + bands);
        }
        if (filter == null) throw new IllegalArgumentException("resample: no filter");
    }
}
