package dev.anomalyedge.graph;

/**
 * The fixed linear maps of the pipeline as matrices, computed in double: bilinear resizing
 * ({@code F.interpolate(mode='bilinear', align_corners=False)}, docs/method.md §5.2) and SciPy's 1-D Gaussian filter
 * ({@code gaussian_filter} defaults: mode 'reflect', truncate 4, docs/method.md §7.4). A separable 2-D map is then
 * {@code out = A · in · Aᵀ} with one such matrix A.
 */
public final class Resampling {
    private Resampling() {}

    /**
     * R [nOut, nIn] with {@code out = R · in} = bilinear resize along one axis, align_corners=False, no antialias:
     * {@code src = max((o + 0.5)·nIn/nOut − 0.5, 0)}, {@code i0 = floor(src)}, {@code i1 = min(i0 + 1, nIn − 1)},
     * {@code λ = src − i0}, {@code out[o] = (1−λ)·in[i0] + λ·in[i1]}.
     */
    public static double[][] bilinear(int nIn, int nOut) {
        if (nIn <= 0 || nOut <= 0) throw new IllegalArgumentException("bilinear sizes must be positive: " + nIn + " -> " + nOut);
        double scale = (double) nIn / nOut;
        double[][] r = new double[nOut][nIn];
        for (int o = 0; o < nOut; o++) {
            double src = Math.max((o + 0.5) * scale - 0.5, 0);
            int i0 = Math.min((int) Math.floor(src), nIn - 1);
            int i1 = Math.min(i0 + 1, nIn - 1);
            double lambda = src - i0;
            r[o][i0] += 1 - lambda;
            r[o][i1] += lambda;
        }
        return r;
    }

    /** SciPy's Gaussian radius for truncate 4: {@code int(4σ + 0.5)}. */
    public static int gaussianRadius(double sigma) {
        return (int) (4.0 * sigma + 0.5);
    }

    /**
     * Gr [n, n] with {@code out = Gr · in} = {@code scipy.ndimage.gaussian_filter1d(in, sigma)} (order 0,
     * mode 'reflect', truncate 4): weights {@code exp(−k²/(2σ²))}, k = −r..r, normalised to sum 1; samples outside
     * the axis are read from the half-sample-symmetric extension {@code … b a | a b … y z | z y …} (repeated when
     * r ≥ n). σ = 0 gives the identity (SciPy skips such axes).
     */
    public static double[][] gaussian(int n, double sigma) {
        if (n <= 0) throw new IllegalArgumentException("gaussian size must be positive: " + n);
        if (!(sigma >= 0)) throw new IllegalArgumentException("sigma must be >= 0, got " + sigma);
        double[][] g = new double[n][n];
        if (sigma <= 1e-15) {
            for (int i = 0; i < n; i++) g[i][i] = 1;
            return g;
        }
        int radius = gaussianRadius(sigma);
        double[] w = new double[2 * radius + 1];
        double sum = 0;
        for (int k = -radius; k <= radius; k++) {
            w[k + radius] = Math.exp(-0.5 / (sigma * sigma) * k * k);
            sum += w[k + radius];
        }
        for (int i = 0; i < n; i++) {
            for (int k = -radius; k <= radius; k++) {
                g[i][reflect(i + k, n)] += w[k + radius] / sum;
            }
        }
        return g;
    }

    /** Index into an axis of length n extended by half-sample symmetric reflection (period 2n). */
    static int reflect(int j, int n) {
        int m = Math.floorMod(j, 2 * n);
        return m < n ? m : 2 * n - 1 - m;
    }

    /** a · b for dense double matrices. */
    public static double[][] multiply(double[][] a, double[][] b) {
        int n = a.length, inner = b.length, m = b[0].length;
        if (a[0].length != inner) throw new IllegalArgumentException("cannot multiply " + n + "x" + a[0].length + " by " + inner + "x" + m);
        double[][] c = new double[n][m];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < inner; k++) {
                double aik = a[i][k];
                if (aik == 0) continue;
                for (int j = 0; j < m; j++) c[i][j] += aik * b[k][j];
            }
        }
        return c;
    }

    /** Row-major float32 copy of a [rows, cols] matrix, transposed when asked. */
    public static float[] toFloats(double[][] a, boolean transpose) {
        int rows = a.length, cols = a[0].length;
        float[] out = new float[rows * cols];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                if (transpose) out[j * rows + i] = (float) a[i][j];
                else out[i * cols + j] = (float) a[i][j];
            }
        }
        return out;
    }

    /**
     * The ViT positional embedding [1 + g0², d] resized to [1 + g², d] (docs/method.md §5.2): the CLS row is kept, the grid rows
     * (token 1 + r·g0 + c) are resized per channel with bilinear, align_corners=False. Returns the input itself when
     * g == g0.
     */
    public static float[] resizePositionalEmbedding(float[] pos, int g0, int g, int d) {
        if (pos.length != (1 + g0 * g0) * d) {
            throw new IllegalArgumentException("positional embedding has " + pos.length + " values, expected (1 + " + g0 + "²)·" + d);
        }
        if (g == g0) return pos;
        double[][] r = bilinear(g0, g);
        float[] out = new float[(1 + g * g) * d];
        System.arraycopy(pos, 0, out, 0, d);
        double[] acc = new double[d];
        for (int y = 0; y < g; y++) {
            for (int x = 0; x < g; x++) {
                java.util.Arrays.fill(acc, 0);
                for (int sy = 0; sy < g0; sy++) {
                    double wy = r[y][sy];
                    if (wy == 0) continue;
                    for (int sx = 0; sx < g0; sx++) {
                        double w = wy * r[x][sx];
                        if (w == 0) continue;
                        int src = (1 + sy * g0 + sx) * d;
                        for (int c = 0; c < d; c++) acc[c] += w * pos[src + c];
                    }
                }
                int dst = (1 + y * g + x) * d;
                for (int c = 0; c < d; c++) out[dst + c] = (float) acc[c];
            }
        }
        return out;
    }
}
