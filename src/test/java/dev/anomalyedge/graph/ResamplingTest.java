package dev.anomalyedge.graph;

import dev.anomalyedge.tensor.Tensor;
import dev.anomalyedge.testing.Golden;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

class ResamplingTest {

    @Test
    void bilinearUpsamplingUsesHalfPixelCentresAndClampsTheEdges() {
        // F.interpolate([a, b], size=4, mode='linear', align_corners=False) = [a, .75a+.25b, .25a+.75b, b]
        double[][] r = Resampling.bilinear(2, 4);
        assertArrayEquals(new double[] {1, 0}, r[0], 1e-15);
        assertArrayEquals(new double[] {0.75, 0.25}, r[1], 1e-15);
        assertArrayEquals(new double[] {0.25, 0.75}, r[2], 1e-15);
        assertArrayEquals(new double[] {0, 1}, r[3], 1e-15);
    }

    @Test
    void bilinearToTheSameSizeIsTheIdentityAndRowsSumToOne() {
        double[][] same = Resampling.bilinear(7, 7);
        for (int i = 0; i < 7; i++) for (int j = 0; j < 7; j++) assertEquals(i == j ? 1 : 0, same[i][j], 1e-15);
        for (double[] row : Resampling.bilinear(37, 518)) assertEquals(1, sum(row), 1e-12);
    }

    @Test
    void gaussianMatchesADirectFilterOverASymmetricallyPaddedSignal() {
        Random rnd = new Random(3);
        for (int n : new int[] {3, 20, 40}) {           // n = 3 < radius 16: the reflection wraps several times
            double sigma = 4;
            int r = Resampling.gaussianRadius(sigma);
            assertEquals(16, r);
            double[] x = rnd.doubles(n).toArray();
            // pad with numpy 'symmetric' (= scipy 'reflect'): ... x1 x0 | x0 x1 ... xn-1 | xn-1 xn-2 ...
            double[] padded = new double[n + 2 * r];
            for (int i = 0; i < padded.length; i++) {
                int j = i - r;
                while (j < 0 || j >= n) j = j < 0 ? -j - 1 : 2 * n - j - 1;
                padded[i] = x[j];
            }
            double[] w = new double[2 * r + 1];
            for (int k = -r; k <= r; k++) w[k + r] = Math.exp(-k * k / (2 * sigma * sigma));
            double total = sum(w);
            double[][] g = Resampling.gaussian(n, sigma);
            for (int i = 0; i < n; i++) {
                double expected = 0, actual = 0;
                for (int k = 0; k <= 2 * r; k++) expected += w[k] / total * padded[i + k];
                for (int j = 0; j < n; j++) actual += g[i][j] * x[j];
                assertEquals(expected, actual, 1e-12, "n " + n + " row " + i);
            }
        }
    }

    @Test
    void sigmaZeroIsTheIdentity() {
        double[][] g = Resampling.gaussian(5, 0);
        for (int i = 0; i < 5; i++) for (int j = 0; j < 5; j++) assertEquals(i == j ? 1 : 0, g[i][j]);
    }

    /** The Gaussian matrices reproduce scipy's smoothing of the golden raw maps. */
    @ParameterizedTest
    @MethodSource("dev.anomalyedge.testing.Golden#cases")
    void gaussianReproducesTheGoldenSmoothing(String name) {
        GoldenVision c = GoldenVision.load(name);
        int s = c.size();
        Tensor raw = c.npy("scores/anomaly_map_raw.npy");
        Tensor smoothed = c.npy("scores/anomaly_map_smoothed.npy");
        double[][] g = Resampling.gaussian(s, c.settings().sigma());
        for (int i = 0; i < c.count(); i++) {
            float[] m = Golden.first(raw, i);
            float[] out = new float[s * s];
            for (int y = 0; y < s; y++) {
                for (int x = 0; x < s; x++) {
                    double acc = 0;
                    for (int a = 0; a < s; a++) {
                        double gya = g[y][a];
                        if (gya == 0) continue;
                        for (int b = 0; b < s; b++) acc += gya * g[x][b] * m[a * s + b];
                    }
                    out[y * s + x] = (float) acc;
                }
            }
            c.check("gaussian(raw map " + i + ")", Golden.first(smoothed, i), out, 2e-6);
        }
    }

    @ParameterizedTest
    @MethodSource("dev.anomalyedge.testing.Golden#cases")
    void positionalEmbeddingResizeMatchesGolden(String name) {
        GoldenVision c = GoldenVision.load(name);
        int d = c.arch().visionWidth(), g0 = c.arch().storedGrid(), g = c.settings().grid(c.arch());
        float[] stored = c.weights().floats("visual.positional_embedding", 1L + g0 * g0, d);
        float[] resized = Resampling.resizePositionalEmbedding(stored, g0, g, d);
        c.check("pos_embed_interpolated (Java)", c.npy("vision/pos_embed_interpolated.npy").floats(), resized, 1e-6);
        if (g == g0) assertSame(stored, resized);
    }

    private static double sum(double[] v) {
        double s = 0;
        for (double x : v) s += x;
        return s;
    }
}
