package dev.anomalyedge.graph;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.anomalyedge.model.AnomalyClipSettings;
import dev.anomalyedge.tensor.Half;
import org.junit.jupiter.api.Test;

import java.nio.FloatBuffer;
import java.nio.ShortBuffer;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The head graph on its own, against the equations computed here directly (MEAN reduction, batch of 2, σ = 0). */
class FewShotGraphBuilderTest {

    @Test
    void meanReductionWithoutSmoothingIsTheNearestNeighbourDistanceUpsampled() throws Exception {
        int k = 2, g = 3, t = g * g + 1, e = 5, n = 7, b = 2, s = 6;
        SplittableRandom r = new SplittableRandom(9);
        float[] feats = new float[k * b * t * e];
        for (int i = 0; i < feats.length; i++) feats[i] = (float) r.nextGaussian();
        short[] bank = new short[k * n * e];
        float[] bankF = new float[bank.length];
        for (int row = 0; row < k * n; row++) {
            double norm = 0;
            double[] v = new double[e];
            for (int i = 0; i < e; i++) norm += (v[i] = r.nextGaussian()) * v[i];
            for (int i = 0; i < e; i++) {
                bank[row * e + i] = Half.fromFloat((float) (v[i] / Math.sqrt(norm)));
                bankF[row * e + i] = Half.toFloat(bank[row * e + i]);
            }
        }
        byte[] model = FewShotGraphBuilder.build(k, t, e, s, 0, AnomalyClipSettings.TapReduction.MEAN);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        float[] map = new float[b * s * s];
        float[] score = new float[b];
        try (OrtSession session = env.createSession(model, new OrtSession.SessionOptions());
             OnnxTensor f = OnnxTensor.createTensor(env, FloatBuffer.wrap(feats), new long[] {k, b, t, e});
             OnnxTensor m = OnnxTensor.createTensor(env, ShortBuffer.wrap(bank), new long[] {k, n, e}, OnnxJavaType.FLOAT16);
             OrtSession.Result out = session.run(Map.of(FewShotGraphBuilder.INPUT_PATCH_FEATURES, f, FewShotGraphBuilder.INPUT_MEMORY_BANK, m))) {
            ((OnnxTensor) out.get(FewShotGraphBuilder.OUTPUT_MAP).orElseThrow()).getFloatBuffer().get(map);
            ((OnnxTensor) out.get(FewShotGraphBuilder.OUTPUT_SCORE).orElseThrow()).getFloatBuffer().get(score);
        }
        double[][] bilinear = Resampling.bilinear(g, s);
        for (int img = 0; img < b; img++) {
            double[][] grid = new double[g][g];
            for (int tap = 0; tap < k; tap++) {
                for (int tau = 1; tau < t; tau++) {
                    int off = ((tap * b + img) * t + tau) * e;
                    double norm = 0;
                    for (int i = 0; i < e; i++) norm += feats[off + i] * feats[off + i];
                    double best = -2;
                    for (int row = 0; row < n; row++) {
                        double dot = 0;
                        for (int i = 0; i < e; i++) dot += feats[off + i] * bankF[(tap * n + row) * e + i];
                        best = Math.max(best, dot / Math.sqrt(norm));
                    }
                    grid[(tau - 1) / g][(tau - 1) % g] += (1 - best) / 2 / k; // MEAN over taps
                }
            }
            double peak = 0;
            for (int y = 0; y < s; y++) {
                for (int x = 0; x < s; x++) {
                    double v = 0;
                    for (int i = 0; i < g; i++) for (int j = 0; j < g; j++) v += bilinear[y][i] * grid[i][j] * bilinear[x][j];
                    assertEquals(v, map[(img * s + y) * s + x], 1e-5, "pixel " + y + "," + x + " of image " + img);
                    peak = Math.max(peak, v);
                }
            }
            assertEquals(peak, score[img], 1e-5); // MEAN: the map's upper bound is 1
        }
    }

    @Test
    void refusesShapesThatAreNotAGrid() {
        assertThrows(IllegalArgumentException.class, () -> FewShotGraphBuilder.build(4, 11, 8, 112, 4, AnomalyClipSettings.TapReduction.SUM));
        assertThrows(IllegalArgumentException.class, () -> FewShotGraphBuilder.build(0, 65, 8, 112, 4, AnomalyClipSettings.TapReduction.SUM));
    }
}
