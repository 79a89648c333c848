package dev.anomalyedge.training.data;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Pseudo-anomalies for teaching from good parts only: from a good image, an anomalous one and its exact mask.
 *
 * <ul>
 *   <li>CutPaste (Li et al. 2021): a rectangle of 2–15 % of the image area, aspect ratio 0.3–3.3 (log-uniform), cut
 *       from one place, optionally colour-jittered (brightness and contrast ±10 %, per-channel gain ±5 %) and pasted at
 *       another. The scar variant cuts a thin strip (2–16 × 10–25 px at 256 px, scaled with the image) and pastes it
 *       rotated by −45°…45° (nearest neighbour). The mask is the pasted footprint: every changed pixel is in it.</li>
 *   <li>DRAEM (Zavrtanik et al. 2021): seeded Perlin noise with 2^k × 2^l cells (k, l in 0..5) thresholded at 0.5
 *       gives a blob region, where the image becomes {@code (1 − β)·image + β·texture}, β in [0.1, 1.0]. The texture
 *       is another image (resized to fit, nearest neighbour) or, without one, a procedural two-colour fractal-noise
 *       texture. The mask is exactly the set of region pixels whose value changed.</li>
 * </ul>
 * A candidate that changes too little (CutPaste: under a quarter of its footprint; DRAEM: under 0.2 % of the image)
 * is redrawn, DRAEM with a lower threshold (larger blobs) each time; after {@value #ATTEMPTS} tries the region is
 * inverted ({@code 255 − v}), which changes every pixel of it, so a mask is never empty and never marks an unchanged
 * image. Output: RGB image ({@code TYPE_INT_RGB}; alpha dropped, grey replicated) and an 8-bit grey mask with values 0
 * and 255. Everything is integer or IEEE double arithmetic (StrictMath for trigonometry) driven by one
 * {@link SplittableRandom}: same seed and input, same pixels and mask on every machine.
 */
public final class PseudoAnomalies {
    private PseudoAnomalies() {}

    static final int ATTEMPTS = 8;
    public static final double BETA_MIN = 0.1;
    public static final double BETA_MAX = 1.0;

    public enum Method {
        CUTPASTE, CUTPASTE_SCAR, DRAEM;

        /** Defect-type name for files and samples, e.g. "pseudo_cutpaste_scar". */
        public String defectType() {
            return "pseudo_" + name().toLowerCase(Locale.ROOT);
        }
    }

    /** An anomalous image, its 0/255 mask ({@code TYPE_BYTE_GRAY}) and how it was made. */
    public record Result(BufferedImage image, BufferedImage mask, Method method) {}

    /** A pseudo-anomaly of a method drawn from the seed; DRAEM uses one of {@code textures} or a procedural one. */
    public static Result synthesize(BufferedImage good, long seed, List<BufferedImage> textures) {
        SplittableRandom r = new SplittableRandom(seed);
        Method m = Method.values()[r.nextInt(Method.values().length)];
        long sub = r.nextLong();
        return switch (m) {
            case CUTPASTE -> cutPaste(good, sub, false, true);
            case CUTPASTE_SCAR -> cutPaste(good, sub, true, true);
            case DRAEM -> draem(good, textures.isEmpty() ? null : textures.get(r.nextInt(textures.size())), sub);
        };
    }

    /** CutPaste with a rectangle and colour jitter. */
    public static Result cutPaste(BufferedImage good, long seed) {
        return cutPaste(good, seed, false, true);
    }

    public static Result cutPaste(BufferedImage good, long seed, boolean scar, boolean colourJitter) {
        Rgb src = Rgb.of(good);
        SplittableRandom r = new SplittableRandom(seed);
        int[][] patch = null;
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            patch = scar ? scarPatch(src.w, src.h, r) : rectPatch(src.w, src.h, r);
            int[] out = src.px.clone();
            Jitter j = colourJitter ? Jitter.draw(r, src, patch[1]) : Jitter.NONE;
            int changed = 0;
            for (int k = 0; k < patch[0].length; k++) {
                out[patch[0][k]] = j.apply(src.px[patch[1][k]]);
                changed += out[patch[0][k]] != src.px[patch[0][k]] ? 1 : 0;
            }
            if (4 * changed >= patch[0].length) {
                return new Result(new Rgb(src.w, src.h, out).toImage(), maskImage(src.w, src.h, patch[0]),
                        scar ? Method.CUTPASTE_SCAR : Method.CUTPASTE);
            }
        }
        return inverted(src, patch[0], scar ? Method.CUTPASTE_SCAR : Method.CUTPASTE);
    }

    /** DRAEM with β drawn from [0.1, 1.0]; {@code texture} null means a procedural texture. */
    public static Result draem(BufferedImage good, BufferedImage texture, long seed) {
        return draem(good, texture, seed, Double.NaN);
    }

    /** DRAEM with a fixed blend factor β in [0.1, 1.0]. */
    public static Result draem(BufferedImage good, BufferedImage texture, long seed, double beta) {
        if (!Double.isNaN(beta) && !(beta >= BETA_MIN && beta <= BETA_MAX)) {
            throw new IllegalArgumentException("beta must be in [" + BETA_MIN + ", " + BETA_MAX + "], found " + beta);
        }
        Rgb src = Rgb.of(good);
        int w = src.w;
        int h = src.h;
        SplittableRandom r = new SplittableRandom(seed);
        int[] tex = texture != null ? Rgb.of(texture).resized(w, h) : proceduralTexture(w, h, r);
        int minArea = Math.max(1, w * h / 500);
        float[] noise = null;
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            noise = PerlinNoise.field(w, h, 1 << r.nextInt(6), 1 << r.nextInt(6), r.nextLong());
            double threshold = 0.5 - 0.07 * attempt; // enlarge the blobs after each miss
            double b = Double.isNaN(beta) ? BETA_MIN + (BETA_MAX - BETA_MIN) * r.nextDouble() : beta;
            int[] out = src.px.clone();
            int[] changed = new int[w * h];
            int n = 0;
            for (int p = 0; p < w * h; p++) {
                if (noise[p] > threshold) {
                    out[p] = blend(src.px[p], tex[p], b);
                    if (out[p] != src.px[p]) {
                        changed[n++] = p;
                    }
                }
            }
            if (n >= minArea) {
                return new Result(new Rgb(w, h, out).toImage(), maskImage(w, h, Arrays.copyOf(changed, n)),
                        Method.DRAEM);
            }
        }
        int[] region = new int[w * h];
        int n = 0;
        for (int p = 0; p < w * h; p++) {
            if (noise[p] > 0) {
                region[n++] = p;
            }
        }
        return inverted(src, n > 0 ? Arrays.copyOf(region, n) : allPixels(w * h), Method.DRAEM);
    }

    /** Texture images of a folder (png, jpg, jpeg, bmp; sorted by name), e.g. DTD, for {@link #draem}. */
    public static List<BufferedImage> readTextures(Path folder) {
        Problems problems = new Problems();
        List<BufferedImage> out = new ArrayList<>();
        for (Path f : ImageFiles.images(folder, problems)) {
            try {
                BufferedImage img = ImageIO.read(f.toFile());
                if (img == null) {
                    problems.error("unreadable texture " + f + ": not a PNG, JPEG or BMP image");
                } else {
                    out.add(img);
                }
            } catch (IOException e) {
                problems.error("unreadable texture " + f + ": " + e.getMessage());
            }
        }
        if (out.isEmpty() && problems.errors.isEmpty()) {
            problems.error("no texture images (png, jpg, jpeg, bmp) in " + folder);
        }
        problems.throwIfAny("cannot read textures from " + folder);
        return out;
    }

    // ---- CutPaste geometry: {destination indices, source indices} ----

    private static int[][] rectPatch(int w, int h, SplittableRandom r) {
        double area = w * (double) h * (0.02 + 0.13 * r.nextDouble());
        double aspect = StrictMath.exp(StrictMath.log(0.3) + (StrictMath.log(1 / 0.3) - StrictMath.log(0.3)) * r.nextDouble());
        int pw = clamp((int) Math.round(Math.sqrt(area * aspect)), 1, w - 1);
        int ph = clamp((int) Math.round(Math.sqrt(area / aspect)), 1, h - 1);
        int sx = r.nextInt(w - pw + 1);
        int sy = r.nextInt(h - ph + 1);
        int dx = r.nextInt(w - pw + 1);
        int dy = r.nextInt(h - ph + 1);
        if (dx == sx && dy == sy) { // pasting in place would change nothing
            dx = (dx + pw) % (w - pw + 1);
            dy = (dy + ph) % (h - ph + 1);
        }
        int[][] pairs = new int[2][pw * ph];
        for (int y = 0, k = 0; y < ph; y++) {
            for (int x = 0; x < pw; x++, k++) {
                pairs[0][k] = (dy + y) * w + dx + x;
                pairs[1][k] = (sy + y) * w + sx + x;
            }
        }
        return pairs;
    }

    private static int[][] scarPatch(int w, int h, SplittableRandom r) {
        double s = Math.min(w, h) / 256.0;
        int sw = clamp((int) Math.round((2 + 14 * r.nextDouble()) * s), 1, w - 1);
        int sl = clamp((int) Math.round((10 + 15 * r.nextDouble()) * s), 3, h - 1);
        double angle = StrictMath.toRadians(-45 + 90 * r.nextDouble());
        double cos = StrictMath.cos(angle);
        double sin = StrictMath.sin(angle);
        int sx = r.nextInt(w - sw + 1);
        int sy = r.nextInt(h - sl + 1);
        // half extents of the rotated strip; the centre is a pixel centre so the footprint is never empty
        double ex = (Math.abs(cos) * sw + Math.abs(sin) * sl) / 2;
        double ey = (Math.abs(sin) * sw + Math.abs(cos) * sl) / 2;
        int cxMin = (int) Math.min(Math.ceil(ex), w - 1);
        int cyMin = (int) Math.min(Math.ceil(ey), h - 1);
        int cx = cxMin + r.nextInt(Math.max(1, w - 2 * cxMin));
        int cy = cyMin + r.nextInt(Math.max(1, h - 2 * cyMin));
        List<int[]> pairs = new ArrayList<>();
        for (int y = Math.max(0, (int) Math.floor(cy - ey)); y <= Math.min(h - 1, (int) Math.ceil(cy + ey)); y++) {
            for (int x = Math.max(0, (int) Math.floor(cx - ex)); x <= Math.min(w - 1, (int) Math.ceil(cx + ex)); x++) {
                double px = x - cx; // offset from the centre pixel
                double py = y - cy;
                double u = cos * px + sin * py; // rotate back into the strip's frame
                double v = -sin * px + cos * py;
                if (Math.abs(u) < sw / 2.0 && Math.abs(v) < sl / 2.0) {
                    int su = clamp((int) Math.floor(u + sw / 2.0), 0, sw - 1);
                    int sv = clamp((int) Math.floor(v + sl / 2.0), 0, sl - 1);
                    pairs.add(new int[] {y * w + x, (sy + sv) * w + sx + su});
                }
            }
        }
        int[][] out = new int[2][pairs.size()];
        for (int k = 0; k < pairs.size(); k++) {
            out[0][k] = pairs.get(k)[0];
            out[1][k] = pairs.get(k)[1];
        }
        return out;
    }

    /** CutPaste colour jitter: contrast around the patch mean, brightness, per-channel gain. */
    private record Jitter(double contrast, double brightness, double[] gain, double mean) {
        static final Jitter NONE = new Jitter(1, 1, new double[] {1, 1, 1}, 0);

        static Jitter draw(SplittableRandom r, Rgb src, int[] patchSource) {
            double sum = 0;
            for (int p : patchSource) {
                int c = src.px[p];
                sum += ((c >> 16) & 255) + ((c >> 8) & 255) + (c & 255);
            }
            double mean = sum / (3.0 * patchSource.length);
            return new Jitter(0.9 + 0.2 * r.nextDouble(), 0.9 + 0.2 * r.nextDouble(),
                    new double[] {0.95 + 0.1 * r.nextDouble(), 0.95 + 0.1 * r.nextDouble(), 0.95 + 0.1 * r.nextDouble()},
                    mean);
        }

        int apply(int rgb) {
            int out = 0;
            for (int c = 0; c < 3; c++) {
                int v = (rgb >> (16 - 8 * c)) & 255;
                double j = ((v - mean) * contrast + mean) * brightness * gain[c];
                out |= clamp((int) Math.floor(j + 0.5), 0, 255) << (16 - 8 * c);
            }
            return out;
        }
    }

    // ---- DRAEM helpers ----

    private static int blend(int a, int t, double beta) {
        int out = 0;
        for (int shift = 16; shift >= 0; shift -= 8) {
            double v = (1 - beta) * ((a >> shift) & 255) + beta * ((t >> shift) & 255);
            out |= clamp((int) Math.floor(v + 0.5), 0, 255) << shift;
        }
        return out;
    }

    /** Two random colours mixed by three octaves of Perlin noise. */
    private static int[] proceduralTexture(int w, int h, SplittableRandom r) {
        int c1 = r.nextInt(1 << 24);
        int c2 = r.nextInt(1 << 24);
        int cells = 2 << r.nextInt(3);
        float[][] octaves = new float[3][];
        for (int o = 0; o < 3; o++) {
            octaves[o] = PerlinNoise.field(w, h, cells << o, cells << o, r.nextLong());
        }
        int[] tex = new int[w * h];
        for (int p = 0; p < w * h; p++) {
            double fbm = octaves[0][p] + 0.5 * octaves[1][p] + 0.25 * octaves[2][p];
            double t = Math.max(0, Math.min(1, 0.5 + 0.7 * fbm));
            tex[p] = blend(c1, c2, t);
        }
        return tex;
    }

    // ---- shared ----

    /** Last resort: invert the region, which changes every pixel of it (255 − v ≠ v for integers). */
    private static Result inverted(Rgb src, int[] region, Method method) {
        int[] out = src.px.clone();
        for (int p : region) {
            out[p] = ~src.px[p] & 0xFFFFFF;
        }
        return new Result(new Rgb(src.w, src.h, out).toImage(), maskImage(src.w, src.h, region), method);
    }

    private static BufferedImage maskImage(int w, int h, int[] pixels) {
        BufferedImage m = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
        WritableRaster raster = m.getRaster(); // raster writes: no colour-space conversion
        for (int p : pixels) {
            raster.setSample(p % w, p / w, 0, 255);
        }
        return m;
    }

    private static int[] allPixels(int n) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = i;
        }
        return a;
    }

    private static int clamp(int v, int lo, int hi) {
        return Math.max(lo, Math.min(hi, v));
    }

    /** Packed 0xRRGGBB pixels, row-major. */
    record Rgb(int w, int h, int[] px) {
        static Rgb of(BufferedImage img) {
            int w = img.getWidth();
            int h = img.getHeight();
            if (w < 8 || h < 8) {
                throw new IllegalArgumentException("image too small for pseudo-anomalies: " + w + "x" + h
                        + " (need at least 8x8)");
            }
            int[] px = new int[w * h];
            Raster raster = img.getRaster();
            if (raster.getNumBands() <= 2 && img.getColorModel().getNumColorComponents() == 1) {
                // grey (with or without alpha): replicate the stored value, as PIL's convert('RGB') does
                int bits = img.getColorModel().getComponentSize(0);
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        int v = raster.getSample(x, y, 0) >> Math.max(0, bits - 8);
                        px[y * w + x] = (v << 16) | (v << 8) | v;
                    }
                }
            } else {
                img.getRGB(0, 0, w, h, px, 0, w);
                for (int i = 0; i < px.length; i++) {
                    px[i] &= 0xFFFFFF;
                }
            }
            return new Rgb(w, h, px);
        }

        /** Nearest-neighbour resize to w×h. */
        int[] resized(int tw, int th) {
            int[] out = new int[tw * th];
            for (int y = 0; y < th; y++) {
                int sy = Math.min(h - 1, (int) ((y + 0.5) * h / th));
                for (int x = 0; x < tw; x++) {
                    out[y * tw + x] = px[sy * w + Math.min(w - 1, (int) ((x + 0.5) * w / tw))];
                }
            }
            return out;
        }

        BufferedImage toImage() {
            BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
            img.setRGB(0, 0, w, h, px, 0, w);
            return img;
        }
    }
}
