package dev.anomalyedge.training.data;

import java.util.SplittableRandom;

/**
 * Seeded 2-D gradient (Perlin) noise, improved-Perlin style: a shuffled permutation table picks one of eight
 * gradients (±1,±1), (±1,0), (0,±1) at each lattice corner; the four corner dot products are blended with the
 * quintic fade 6t⁵ − 15t⁴ + 10t³. Values lie in [−1, 1] (gradients have length ≤ √2, so |noise| ≤ √2·√2/2 = 1)
 * and are 0 on the integer lattice. Pure arithmetic, so the
 * same seed gives the same field on every machine.
 */
public final class PerlinNoise {
    private final int[] perm = new int[512];

    public PerlinNoise(long seed) {
        int[] p = new int[256];
        for (int i = 0; i < 256; i++) {
            p[i] = i;
        }
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 255; i > 0; i--) { // Fisher–Yates
            int j = r.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        for (int i = 0; i < 512; i++) {
            perm[i] = p[i & 255];
        }
    }

    /** Noise at (x, y); the lattice has period 256 in both directions. */
    public double at(double x, double y) {
        int xi = (int) Math.floor(x);
        int yi = (int) Math.floor(y);
        double fx = x - xi; // position inside the cell, [0, 1)
        double fy = y - yi;
        int cx = xi & 255;
        int cy = yi & 255;
        double n00 = grad(perm[perm[cx] + cy], fx, fy);
        double n10 = grad(perm[perm[cx + 1] + cy], fx - 1, fy);
        double n01 = grad(perm[perm[cx] + cy + 1], fx, fy - 1);
        double n11 = grad(perm[perm[cx + 1] + cy + 1], fx - 1, fy - 1);
        double u = fade(fx);
        double v = fade(fy);
        return lerp(v, lerp(u, n00, n10), lerp(u, n01, n11));
    }

    /**
     * A w×h field with {@code cellsX × cellsY} lattice cells across the image (DRAEM's "perlin scale"), row-major,
     * starting at a seeded random lattice offset.
     */
    public static float[] field(int w, int h, int cellsX, int cellsY, long seed) {
        PerlinNoise noise = new PerlinNoise(seed);
        SplittableRandom r = new SplittableRandom(~seed);
        double ox = r.nextInt(256);
        double oy = r.nextInt(256);
        float[] f = new float[w * h];
        for (int y = 0; y < h; y++) {
            double ny = oy + (y + 0.5) * cellsY / h;
            for (int x = 0; x < w; x++) {
                f[y * w + x] = (float) noise.at(ox + (x + 0.5) * cellsX / w, ny);
            }
        }
        return f;
    }

    private static double grad(int hash, double x, double y) {
        return switch (hash & 7) {
            case 0 -> x + y;
            case 1 -> -x + y;
            case 2 -> x - y;
            case 3 -> -x - y;
            case 4 -> x;
            case 5 -> -x;
            case 6 -> y;
            default -> -y;
        };
    }

    private static double fade(double t) {
        return t * t * t * (t * (t * 6 - 15) + 10);
    }

    private static double lerp(double t, double a, double b) {
        return a + t * (b - a);
    }
}
