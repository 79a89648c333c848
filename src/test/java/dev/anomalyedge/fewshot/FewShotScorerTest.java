package dev.anomalyedge.fewshot;

import dev.anomalyedge.bundle.ModelBundle;
import dev.anomalyedge.engine.AnomalyEngine;
import dev.anomalyedge.engine.EngineException;
import dev.anomalyedge.engine.ort.OrtAnomalyEngine;
import dev.anomalyedge.graph.GoldenVision;
import dev.anomalyedge.graph.Resampling;
import dev.anomalyedge.inspection.EngineBatches;
import dev.anomalyedge.model.AnomalyClipSettings;
import dev.anomalyedge.testing.Golden;
import dev.anomalyedge.training.DemoFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The engine's bank search (ONNX graph) against the Java double-precision reference, and the zero-shot path unchanged. */
class FewShotScorerTest {
    @TempDir
    Path tmp;

    @Test
    void graphBankSearchMatchesTheJavaReferenceOnGoldenCase1() throws Exception {
        GoldenVision c = GoldenVision.load("case1_p14_s112_taps4");
        List<float[]> images = new ArrayList<>();
        for (int i = 0; i < c.count(); i++) images.add(c.image(i));
        try (OrtAnomalyEngine engine = openCase1(c)) {
            checkParity(engine, c.settings(), images.subList(0, 2), images.subList(2, images.size()), "golden case1");

            // no bank: exactly today's zero-shot score and map, equal to the golden reference
            FewShotScorer scorer = new FewShotScorer(engine, c.settings(), 4);
            List<FewShotScorer.Scored> zs = scorer.score(images, null, FewShotScorer.Mode.FUSED);
            float[] golden = c.npy("scores/image_score.npy").floats();
            for (int i = 0; i < images.size(); i++) {
                EngineBatches.Scored direct = EngineBatches.score(engine, List.of(images.get(i)), 1).get(0);
                assertEquals(direct.score(), zs.get(i).score());
                assertArrayEquals(direct.map(), zs.get(i).map());
                assertEquals(golden[i], zs.get(i).score(), 1e-5);
                assertTrue(Float.isNaN(zs.get(i).fewShotScore()));
            }
            // ZERO_SHOT with a bank reports the zero-shot signal too
            MemoryBank bank = scorer.bank(images.subList(0, 2));
            FewShotScorer.Scored z = scorer.score(images.subList(3, 4), bank, FewShotScorer.Mode.ZERO_SHOT).get(0);
            assertArrayEquals(EngineBatches.score(engine, images.subList(3, 4), 1).get(0).map(), z.map());
        }
    }

    /**
     * The definition written out from the official PyTorch features (golden taps_proj = ln_post·proj of the tapped
     * tokens, what the zero-shot map uses): bank = unit patch rows of the references per tap; d = min over the bank of
     * (1 − cos)/2; each tap's G×G map upsampled bilinearly on its own, the taps summed, then Gaussian smoothing; image
     * score = the map's maximum over K. The scorer (graph and Java reference) must give the same map.
     */
    @Test
    void fewShotMapFollowsTheDefinitionOnTheOfficialFeatures() throws Exception {
        GoldenVision c = GoldenVision.load("case1_p14_s112_taps4");
        AnomalyClipSettings settings = c.settings();
        float[] taps = c.npy("vision/taps_proj.npy").floats();                                  // [K, B, T, E] official
        int k = 4, b = 4, t = 65, e = 32, g = 8, s = settings.imageSize();
        assertEquals(k * b * t * e, taps.length);
        assertEquals(AnomalyClipSettings.TapReduction.SUM, settings.tapReduction());
        int[] refs = {0, 1};
        double[][] bilinear = Resampling.bilinear(g, s), gauss = Resampling.gaussian(s, settings.sigma());
        try (OrtAnomalyEngine engine = openCase1(c)) {
            FewShotScorer scorer = new FewShotScorer(engine, settings, 4);
            MemoryBank bank = scorer.bank(List.of(c.image(refs[0]), c.image(refs[1])));
            assertEquals(refs.length * g * g, bank.size(), "every patch of every reference, no coreset by default");
            for (int img = 2; img < b; img++) {
                double[][] sum = new double[s][s];
                for (int tap = 0; tap < k; tap++) {
                    double[][] d = new double[g][g];
                    for (int tau = 1; tau < t; tau++) {
                        double[] z = unit(taps, ((tap * b + img) * t + tau) * e, e);
                        double best = Double.POSITIVE_INFINITY;
                        for (int ref : refs) {
                            for (int n = 1; n < t; n++) {
                                double[] m = unit(taps, ((tap * b + ref) * t + n) * e, e);
                                double cos = 0;
                                for (int i = 0; i < e; i++) cos += z[i] * m[i];
                                best = Math.min(best, (1 - cos) / 2);
                            }
                        }
                        d[(tau - 1) / g][(tau - 1) % g] = best;
                    }
                    double[][] up = Resampling.multiply(Resampling.multiply(bilinear, d), transpose(bilinear)); // this tap at S×S
                    for (int y = 0; y < s; y++) for (int x = 0; x < s; x++) sum[y][x] += up[y][x];
                }
                double[][] smooth = Resampling.multiply(Resampling.multiply(gauss, sum), transpose(gauss));
                float[] expected = new float[s * s];
                double peak = 0;
                for (int y = 0; y < s; y++) for (int x = 0; x < s; x++) peak = Math.max(peak, expected[y * s + x] = (float) smooth[y][x]);
                FewShotScorer.Signals got = scorer.signals(List.of(c.image(img)), bank).get(0);
                // the bank is float16: its rows carry ~1e-3 relative rounding, so the distances agree to ~1e-3
                Golden.assertClose("few-shot map of golden image " + img + " vs the definition", expected, got.fewShotMap(), 2e-3, 0);
                assertEquals(peak / k, got.fewShotScore(), 1e-3, "image score = max of the map / K");
            }
        }
    }

    /** Golden case1's scoring graph written to the test's folder and opened on ONNX Runtime (2 threads). */
    private OrtAnomalyEngine openCase1(GoldenVision c) throws Exception {
        Path model = tmp.resolve("case1.onnx");
        c.builder(c.settings()).write(model);
        return OrtAnomalyEngine.open(model, 2);
    }

    private static double[] unit(float[] v, int from, int n) {
        double norm = 0;
        for (int i = 0; i < n; i++) norm += (double) v[from + i] * v[from + i];
        double[] out = new double[n];
        for (int i = 0; i < n; i++) out[i] = v[from + i] / Math.sqrt(norm);
        return out;
    }

    private static double[][] transpose(double[][] a) {
        double[][] out = new double[a[0].length][a.length];
        for (int i = 0; i < a.length; i++) for (int j = 0; j < a[0].length; j++) out[j][i] = a[i][j];
        return out;
    }

    @Test
    void graphBankSearchMatchesTheJavaReferenceOnTheDemoModel() {
        ModelBundle bundle = DemoFixture.get().untrainedBundle();
        SplittableRandom r = new SplittableRandom(5);
        int s = bundle.imageSize();
        List<float[]> images = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            float[] x = new float[3 * s * s];
            for (int j = 0; j < x.length; j++) x[j] = (float) (r.nextDouble() * 4 - 2);
            images.add(x);
        }
        try (OrtAnomalyEngine engine = OrtAnomalyEngine.open(bundle.graphFile(), 2)) {
            checkParity(engine, bundle.settings(), images.subList(0, 3), images.subList(3, 4), "demo model");
        }
    }

    /** Few-shot maps and scores of the graph vs {@link FewShotScorer#fewShotMap}, and one vision run per batch. */
    private static void checkParity(OrtAnomalyEngine engine, AnomalyClipSettings settings, List<float[]> references, List<float[]> tests,
                                    String what) {
        FewShotScorer scorer = new FewShotScorer(engine, settings, 4);
        MemoryBank bank = scorer.bank(references);
        assertEquals(references.size() * (engine.tokens() - 1), bank.size());
        float[] input = EngineBatches.pack(tests, engine.imageSize());
        AnomalyEngine.FewShotBatch graph = engine.scoreFewShot(input, tests.size(), bank);
        AnomalyEngine.FeatureBatch f = engine.features(input, tests.size());
        AnomalyEngine.ScoreBatch zs = engine.score(input, tests.size());
        double worst = 0;
        for (int i = 0; i < tests.size(); i++) {
            float[] reference = scorer.fewShotMap(f, i, bank);
            double d = GoldenVision.maxDiff(reference, graph.fewShot().map(i));
            worst = Math.max(worst, d);
            Golden.assertClose(what + " few-shot map " + i, reference, graph.fewShot().map(i), 1e-5, 0);
            assertEquals(scorer.fewShotScore(reference), graph.fewShot().score(i), 1e-5);
            assertArrayEquals(zs.map(i), graph.zeroShot().map(i), 1e-6f);
            assertEquals(zs.score(i), graph.zeroShot().score(i), 1e-6f);
        }
        System.out.printf("[fewshot] %s: graph vs Java reference few-shot map max|diff| %.2e over %d image(s), bank N=%d%n", what, worst,
                tests.size(), bank.size());
        assertTrue(graph.fewShot().score(0) > 0, "a test image differs from the references");
        // a reference image is in the bank: its few-shot map is ~0 (float16 rows)
        AnomalyEngine.FewShotBatch self = engine.scoreFewShot(EngineBatches.pack(references.subList(0, 1), engine.imageSize()), 1, bank);
        assertTrue(self.fewShot().score(0) < 1e-3, "a reference scored against its own bank: " + self.fewShot().score(0));
    }

    /** An engine without a bank search (as TensorRT today): the scorer falls back to the Java reference, same results. */
    @Test
    void withoutABankSearchOnTheEngineTheJavaReferenceGivesTheSameResults() throws Exception {
        GoldenVision c = GoldenVision.load("case1_p14_s112_taps4");
        List<float[]> images = new ArrayList<>();
        for (int i = 0; i < c.count(); i++) images.add(c.image(i));
        try (OrtAnomalyEngine engine = openCase1(c)) {
            AnomalyEngine plain = new AnomalyEngine() {
                @Override public int imageSize() { return engine.imageSize(); }
                @Override public String backend() { return "plain"; }
                @Override public ScoreBatch score(float[] x, int b) { return engine.score(x, b); }
                @Override public FeatureBatch features(float[] x, int b) { return engine.features(x, b); }
                @Override public void close() { }
            };
            assertThrows(EngineException.class, () -> plain.scoreFewShot(c.image(0), 1, null));
            FewShotScorer onEngine = new FewShotScorer(engine, c.settings(), 4), inJava = new FewShotScorer(plain, c.settings(), 4);
            MemoryBank a = onEngine.bank(images.subList(0, 2)), b = inJava.bank(images.subList(0, 2));
            assertArrayEquals(a.halfValues(), b.halfValues());
            for (FewShotScorer.Mode mode : FewShotScorer.Mode.values()) {
                List<FewShotScorer.Scored> x = onEngine.score(images.subList(2, 4), a, mode), y = inJava.score(images.subList(2, 4), b, mode);
                for (int i = 0; i < 2; i++) {
                    assertEquals(x.get(i).score(), y.get(i).score(), 1e-4, mode + " score " + i);
                    Golden.assertClose(mode + " map " + i, x.get(i).map(), y.get(i).map(), 1e-4, 0);
                }
            }
            // one reference: its fusion statistics come from the bank of its mirror image
            MemoryBank one = onEngine.bank(images.subList(0, 1));
            assertTrue(one.fusion().fsScoreMean() > 0 && one.fusion().fsPixelStd() > 0, one.fusion().toString());
            MemoryBank bounded = onEngine.bank(images.subList(0, 2), 50);
            assertEquals(50, bounded.size());
            // each reference was searched against the coreset's rows of the other image, as the bounded bank serves it:
            // fewer rows, so it lies farther from them than from all of the other image's rows
            assertTrue(bounded.fusion().fsScoreMean() > a.fusion().fsScoreMean(), bounded.fusion() + " vs " + a.fusion());
            assertEquals(a.fusion().zsScoreMean(), bounded.fusion().zsScoreMean(), 1e-9, "the zero-shot signal does not depend on the bank");
        }
    }

    /**
     * Building a bank runs each reference tile through the vision tower once: the leave-one-out searches reuse the bank's
     * rows. A tiled image is left out whole: image A of two identical tiles is searched against image B's tiles only (its
     * twin tile would make its few-shot score ~0), and each result equals a plain search of that tile against B's bank.
     */
    @Test
    void referencesRunEachTileOnceAndLeaveWholeImagesOut() throws Exception {
        GoldenVision c = GoldenVision.load("case1_p14_s112_taps4");
        try (OrtAnomalyEngine engine = openCase1(c)) {
            int[] visionImages = {0};
            AnomalyEngine counting = new AnomalyEngine() {
                @Override public int imageSize() { return engine.imageSize(); }
                @Override public String backend() { return "counting"; }
                @Override public ScoreBatch score(float[] x, int b) { visionImages[0] += b; return engine.score(x, b); }
                @Override public FeatureBatch features(float[] x, int b) { visionImages[0] += b; return engine.features(x, b); }
                @Override public ScoredFeatures scoreAndFeatures(float[] x, int b) { visionImages[0] += b; return engine.scoreAndFeatures(x, b); }
                @Override public FewShotBatch scoreFewShot(float[] x, int b, MemoryBank bank) { visionImages[0] += b; return engine.scoreFewShot(x, b, bank); }
                @Override public ScoreBatch searchBank(FeatureBatch f, MemoryBank bank) { return engine.searchBank(f, bank); }
                @Override public boolean hasFewShotHead() { return true; }
                @Override public void close() { }
            };
            FewShotScorer scorer = new FewShotScorer(counting, c.settings(), 3);
            float[] a = c.image(0), b1 = c.image(1), b2 = c.image(2);
            FewShotScorer.References refs = scorer.references(List.of(List.of(a, a), List.of(b1, b2)), 0);
            assertEquals(4, visionImages[0], "one vision run per reference tile");
            assertEquals(4 * (engine.tokens() - 1), refs.bank().size());
            assertEquals(2, refs.leaveOneOut().size());

            FewShotScorer plain = new FewShotScorer(engine, c.settings(), 3);
            MemoryBank bankOfB = plain.bank(List.of(b1, b2)), bankOfA = plain.bank(List.of(a));
            float againstB = plain.signals(List.of(a), bankOfB).get(0).fewShotScore();
            assertTrue(againstB > 0.01, "image 0 differs from images 1 and 2: " + againstB);
            List<FewShotScorer.Signals> bAgainstA = plain.signals(List.of(b1, b2), bankOfA);
            float[] zeroShot = {engine.score(a, 1).score(0), engine.score(b1, 1).score(0), engine.score(b2, 1).score(0)};
            for (int t = 0; t < 2; t++) {
                FewShotScorer.SelfScore self = refs.leaveOneOut().get(0).get(t);
                assertEquals(againstB, self.fewShot(), 2e-3, "tile " + t + " of A against B only (float16 query rows)");
                assertEquals(zeroShot[0], self.zeroShot(), 1e-6);
                FewShotScorer.SelfScore other = refs.leaveOneOut().get(1).get(t);
                assertEquals(bAgainstA.get(t).fewShotScore(), other.fewShot(), 2e-3, "tile " + t + " of B against A");
                assertEquals(zeroShot[1 + t], other.zeroShot(), 1e-6);
            }
            // the statistics come from those scores: the few-shot mean is the mean of the four
            double mean = (2 * againstB + bAgainstA.get(0).fewShotScore() + bAgainstA.get(1).fewShotScore()) / 4;
            assertEquals(mean, refs.bank().fusion().fsScoreMean(), 2e-3);
            // the reported score of a self score by mode: few-shot, zero-shot, and fused like a served image's
            FewShotScorer.SelfScore s0 = refs.leaveOneOut().get(0).get(0);
            assertEquals(s0.fewShot(), FewShotScorer.score(s0, refs.bank().fusion(), FewShotScorer.Mode.FEW_SHOT));
            assertEquals(s0.zeroShot(), FewShotScorer.score(s0, refs.bank().fusion(), FewShotScorer.Mode.ZERO_SHOT));
            FewShotScorer.Signals asServed = new FewShotScorer.Signals(s0.zeroShot(), new float[0], s0.fewShot(), new float[0]);
            assertEquals(FewShotScorer.combine(asServed, refs.bank().fusion(), FewShotScorer.Mode.FUSED).score(),
                    FewShotScorer.score(s0, refs.bank().fusion(), FewShotScorer.Mode.FUSED));

            // with a coreset, A is searched against the coreset's rows of B: a subset of B's rows, so never closer
            FewShotScorer.References bounded = scorer.references(List.of(List.of(a, a), List.of(b1, b2)), 40);
            assertEquals(40, bounded.bank().size());
            for (int t = 0; t < 2; t++) {
                assertTrue(bounded.leaveOneOut().get(0).get(t).fewShot() >= againstB - 2e-3, "tile " + t + " of A against the coreset of B");
            }

            visionImages[0] = 0;
            FewShotScorer.References one = scorer.references(List.of(List.of(a)), 0);
            assertEquals(2, visionImages[0], "one reference: its run and its mirror image's");
            assertTrue(one.leaveOneOut().get(0).get(0).fewShot() > 0, "searched against the mirror image's bank");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> scorer.references(List.of(List.of(a, a), List.of(b1)), 0));
            assertTrue(e.getMessage().contains("same number of tiles"), e.getMessage());
        }
    }

    @Test
    void aClosedEngineRefusesFewShotScoring() throws Exception {
        GoldenVision c = GoldenVision.load("case1_p14_s112_taps4");
        OrtAnomalyEngine engine = openCase1(c);
        MemoryBank bank = new FewShotScorer(engine, c.settings(), 4).bank(List.of(c.image(0)));
        engine.close();
        EngineException e = assertThrows(EngineException.class, () -> engine.scoreFewShot(c.image(1), 1, bank));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
    }

    @Test
    void aBankOfAnotherModelIsRefused() throws Exception {
        GoldenVision c = GoldenVision.load("case1_p14_s112_taps4");
        try (OrtAnomalyEngine engine = openCase1(c)) {
            MemoryBank other = MemoryBank.ofHalf(engine.taps(), 3, engine.embedDim() + 1, new short[engine.taps() * 3 * (engine.embedDim() + 1)]);
            assertTrue(!other.matches(engine.taps(), engine.embedDim()));
            EngineException e = assertThrows(EngineException.class, () -> engine.scoreFewShot(c.image(0), 1, other));
            assertTrue(e.getMessage().contains("another model"), e.getMessage());
        }
    }
}
