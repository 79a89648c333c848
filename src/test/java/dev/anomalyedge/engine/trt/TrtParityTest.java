package dev.anomalyedge.engine.trt;

import dev.anomalyedge.engine.AnomalyEngine;
import dev.anomalyedge.engine.EngineException;
import dev.anomalyedge.engine.ort.OrtAnomalyEngine;
import dev.anomalyedge.graph.GoldenVision;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The comparison and timing arithmetic of the GPU check, on fake engines and ONNX Runtime against itself. */
class TrtParityTest {
    @TempDir
    Path dir;

    /** Score = mean of the image, map = the first channel; the offsets model another backend's error. */
    static final class FakeEngine implements AnomalyEngine {
        final int size;
        final float scoreOffset, mapOffset;
        final String name;
        final List<Integer> batches = new ArrayList<>();

        FakeEngine(String name, int size, float scoreOffset, float mapOffset) {
            this.name = name;
            this.size = size;
            this.scoreOffset = scoreOffset;
            this.mapOffset = mapOffset;
        }

        @Override public int imageSize() { return size; }

        @Override public String backend() { return name; }

        @Override
        public ScoreBatch score(float[] images, int batch) {
            batches.add(batch);
            int per = 3 * size * size, plane = size * size;
            float[] scores = new float[batch], maps = new float[batch * plane];
            for (int b = 0; b < batch; b++) {
                double sum = 0;
                for (int i = 0; i < per; i++) sum += images[b * per + i];
                scores[b] = (float) (sum / per) + scoreOffset;
                for (int i = 0; i < plane; i++) maps[b * plane + i] = images[b * per + i] + (i == plane - 1 ? mapOffset : 0);
            }
            return new ScoreBatch(batch, size, scores, maps);
        }

        @Override public FeatureBatch features(float[] images, int batch) { throw new UnsupportedOperationException(); }

        @Override public void close() { }
    }

    @Test
    void compareReportsTheDistributionOverAllChunks() {
        int s = 4, n = 5;
        float[] images = TrtParity.randomImages(n, s, 1);
        FakeEngine ref = new FakeEngine("ref", s, 0, 0), cand = new FakeEngine("cand", s, 0.004f, -0.015f);
        TrtParity.Parity p = TrtParity.compare(ref, cand, images, n, 2);
        assertEquals(List.of(2, 2, 1), cand.batches, "batches of 2, then the remainder");
        assertEquals(0.004, p.maxScoreDiff(), 1e-6);
        assertEquals(0.015, p.maxMapDiff(), 1e-6);
        // one pixel of 16 per image is off by 0.015: 5 of 80 map values
        assertEquals(80, p.map().count());
        assertEquals(0.0, p.map().p50());
        assertEquals(0.0, p.map().p90());
        assertEquals(0.015, p.map().p99(), 1e-6);
        assertEquals(5 * 0.015 / 80, p.map().mean(), 1e-6);
        assertEquals(5, p.score().count());
        assertTrue(p.finite());
        assertTrue(p.within(TrtParity.MAP_TOLERANCE, TrtParity.SCORE_TOLERANCE));
        assertFalse(TrtParity.compare(ref, new FakeEngine("bad", s, 0, 0.03f), images, n, 8).within(2e-2, 1e-2));
        assertTrue(p.toString().startsWith("5 images: |Δ map| max 1.500e-02, mean 9.375e-04, p50 0.000e+00, p90 0.000e+00, p99 1.500e-02, "
                + "p99.9 1.500e-02 over 80 values; |Δ score| max 4.000e-03"), p.toString());
        assertTrue(p.toString().endsWith("provisional tolerance max |Δ map| <= 2e-02, max |Δ score| <= 1e-02: within"), p.toString());
        assertThrows(EngineException.class, () -> TrtParity.compare(ref, new FakeEngine("x", 5, 0, 0), images, n, 1));
    }

    @Test
    void nonFiniteDifferencesAreCountedAndMakeTheMaxInfinite() {
        TrtParity.Deviation d = TrtParity.Deviation.of(new float[] {0.1f, Float.NaN, 0.3f, Float.POSITIVE_INFINITY});
        assertEquals(2, d.nonFinite());
        assertEquals(Double.POSITIVE_INFINITY, d.max());
        assertEquals(0.2, d.mean(), 1e-6, "mean of the finite ones");
        assertEquals(0.3f, (float) d.p50(), "nearest rank: 2nd of 4 sorted [0.1, 0.3, inf, inf]");
        assertTrue(d.toString().endsWith("over 4 values (2 NaN/inf)"), d.toString());
        assertEquals(new TrtParity.Deviation(0, 0, 0, 0, 0, 0, 0, 0), TrtParity.Deviation.of(new float[0]));
        TrtParity.Deviation ramp = TrtParity.Deviation.of(ramp(1000));
        assertEquals(500, ramp.p50());
        assertEquals(900, ramp.p90());
        assertEquals(990, ramp.p99());
        assertEquals(999, ramp.p999());
        assertEquals(1000, ramp.max());
    }

    private static float[] ramp(int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[n - 1 - i] = i + 1; // 1..n, reversed: sorting is part of the job
        return v;
    }

    @Test
    void onnxRuntimeAgainstItselfIsExact() throws IOException {
        GoldenVision c = GoldenVision.load("case2_p16_s96_top");
        Path model = dir.resolve("visual.onnx");
        c.builder(c.settings()).write(model);
        try (OrtAnomalyEngine a = OrtAnomalyEngine.open(model, 1); OrtAnomalyEngine b = OrtAnomalyEngine.open(model, 1)) {
            float[] images = c.images().floats();
            TrtParity.Parity p = TrtParity.compare(a, b, images, c.count(), 1);
            assertEquals(c.count(), p.images());
            assertEquals(0.0, p.maxScoreDiff());
            assertEquals(0.0, p.maxMapDiff());
            assertEquals(0.0, p.map().p999());
            TrtParity.Timing t = TrtParity.time(a, images, 1, 0, 1);
            assertEquals("onnxruntime-cpu", t.backend());
            assertTrue(t.msPerImage() > 0);
        }
    }

    @Test
    void theTableHasOneRowPerBatchAndTheBuildTime() {
        String table = TrtParity.table(List.of(
                new TrtParity.Timing("tensorrt-gpu", 1, 20, 2.5),
                new TrtParity.Timing("tensorrt-gpu", 32, 20, 0.8125),
                new TrtParity.Timing("onnxruntime-cpu", 1, 2, 950.0)), 183.44);
        String[] lines = table.split("\n");
        assertEquals("batch  |    tensorrt-gpu ms/img | onnxruntime-cpu ms/img", lines[0]);
        assertEquals("1      |                  2.500 |                950.000", lines[2]);
        assertEquals("32     |                  0.813 |                      -", lines[3]);
        assertEquals("plan build time: 183.4 s", lines[4]);
        assertTrue(TrtParity.table(List.of(), null).endsWith("plan build time: - (plan was cached)\n"));
    }
}
