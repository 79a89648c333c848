package dev.anomalyedge.features;

import dev.anomalyedge.evaluation.FeatureScorer;
import dev.anomalyedge.evaluation.ImageScorer;
import dev.anomalyedge.training.DemoFixture;
import dev.anomalyedge.training.PromptTrainer;

import dev.anomalyedge.bundle.ModelBundle;
import dev.anomalyedge.demo.DemoModel;
import dev.anomalyedge.engine.AnomalyEngine;
import dev.anomalyedge.engine.ort.OrtAnomalyEngine;
import dev.anomalyedge.model.AnomalyClipSettings;
import dev.anomalyedge.model.ClipArchitecture;
import dev.anomalyedge.text.PromptDims;
import dev.anomalyedge.text.PromptLearner;
import dev.anomalyedge.text.TextEncoder;
import dev.anomalyedge.torch.TorchRuntime;
import dev.anomalyedge.training.data.DatasetLoader;
import dev.anomalyedge.training.data.Format;
import dev.anomalyedge.training.data.Sample;
import dev.anomalyedge.training.torch.LossTerms;
import dev.anomalyedge.training.torch.PromptOptimizer;
import dev.anomalyedge.training.torch.Recipe;
import dev.anomalyedge.training.torch.TrainingStep;
import dev.anomalyedge.weights.Checkpoints;
import dev.anomalyedge.weights.StateDict;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The feature path of training: the feature graph, the float16 cache and scoring from features. */
class FeatureStoreTest {
    static DemoFixture fx;
    static StateDict clip;
    static ClipArchitecture arch = DemoModel.architecture();
    static AnomalyClipSettings settings = DemoModel.settings();
    static FeatureStore.Shape shape = new FeatureStore.Shape(3, 14 * 14 + 1, 64);

    @TempDir
    Path tmp;

    @BeforeAll
    static void setUp() {
        TorchRuntime.setThreads(2);
        fx = DemoFixture.get();
        clip = Checkpoints.read(fx.clip);
    }

    static List<Path> images(int n) {
        // 3 good and 3 anomalous images
        List<Sample> s = DatasetLoader.load(fx.train, Format.MVTEC).samples();
        List<Path> good = s.stream().filter(x -> !x.anomalous()).map(Sample::image).limit(n / 2).toList();
        List<Path> bad = s.stream().filter(Sample::anomalous).map(Sample::image).limit(n - n / 2).toList();
        return java.util.stream.Stream.concat(good.stream(), bad.stream()).toList();
    }

    /**
     * Cached (float16) and uncached (float32) features give the same loss on the same batch to within 1e-4 relative
     * (measured 1.1e-5 here), and the image cross-entropy alone to within 1e-3 relative (measured 1.2e-4: the logits are
     * cosines divided by 0.07, which magnifies the rounding): float16 keeps 11 significant bits (relative error
     * ≤ 4.9e-4 per value), and the loss sees the features only through normalised dot products.
     */
    @Test
    void cachedAndUncachedFeaturesGiveTheSameLoss() {
        FeatureGraph graph = FeatureGraph.ensure(tmp.resolve("cache"), clip, "test-clip", arch, settings, s -> { });
        List<Path> images = images(6);
        List<Sample> samples = DatasetLoader.load(fx.train, Format.MVTEC).samples().stream()
                .filter(s -> images.contains(s.image())).toList();
        try (OrtAnomalyEngine engine = OrtAnomalyEngine.open(graph.model(), 2);
             TextEncoder encoder = TextEncoder.load(clip, arch);
             PromptLearner learner = PromptLearner.load(Checkpoints.readPromptLearner(fx.prompts), PromptDims.of(settings, arch));
             PromptOptimizer opt = new PromptOptimizer(learner, PromptTrainer.Options.official().optimizerSettings(1))) {
            FeatureCache cache = FeatureCache.open(tmp.resolve("features"), 1L << 30);
            FeatureStore uncached = new FeatureStore(engine, graph.sha256(), null, shape, 2);
            FeatureStore cached = new FeatureStore(engine, graph.sha256(), cache, shape, 2);
            TrainingStep step = new TrainingStep(encoder, new dev.anomalyedge.training.torch.Losses(Recipe.OFFICIAL), opt);
            PromptTrainer.Options o = PromptTrainer.Options.official();

            LossTerms exact = step.evaluate(new PromptTrainer(encoder, learner, uncached, o).batch(samples));
            LossTerms cold = step.evaluate(new PromptTrainer(encoder, learner, cached, o).batch(samples));   // computes and stores
            assertEquals(6, cached.computedImages());
            LossTerms warm = step.evaluate(new PromptTrainer(encoder, learner, cached, o).batch(samples));   // reads the cache
            assertEquals(6, cached.computedImages(), "second pass served from the cache");
            assertEquals(6, cache.stats().hits());

            assertEquals(cold.total(), warm.total(), 0.0, "a cold and a warm cache give identical numbers");
            double rel = Math.abs(exact.total() - warm.total()) / Math.abs(exact.total());
            System.out.printf("loss uncached %.8f, cached %.8f, relative difference %.2e%n", exact.total(), warm.total(), rel);
            assertTrue(rel < 1e-4, "relative difference " + rel);
            assertEquals(exact.imageLoss(), warm.imageLoss(), 1e-3 * Math.abs(exact.imageLoss()));

            // a new store over the same cache does not run the engine at all
            FeatureStore again = new FeatureStore(engine, graph.sha256(), cache, shape, 2);
            assertTrue(again.prefetch(images, d -> { }, () -> false));
            assertEquals(0, again.computedImages());
            // another graph hash is another key: nothing is served stale
            FeatureStore otherGraph = new FeatureStore(engine, "other-graph", cache, shape, 2);
            otherGraph.batch(images.subList(0, 1));
            assertEquals(1, otherGraph.computedImages());
        }
    }

    /** The feature graph's features through {@link FeatureScorer} reproduce a bundle engine's scores and maps. */
    @Test
    void scoringFromFeaturesMatchesTheBundleEngine() {
        ModelBundle bundle = fx.untrainedBundle();
        FeatureGraph graph = FeatureGraph.ensure(tmp.resolve("cache"), clip, "test-clip", arch, settings, s -> { });
        List<Path> images = images(4);
        try (OrtAnomalyEngine features = OrtAnomalyEngine.open(graph.model(), 2);
             OrtAnomalyEngine scoring = OrtAnomalyEngine.open(bundle.graphFile(), 2)) {
            FeatureStore store = new FeatureStore(features, graph.sha256(), null, shape, 4);
            FeatureScorer scorer = new FeatureScorer(bundle.textEmbeddings().floats(), 64, 14, settings);
            ImageScorer.Scores fromFeatures = ImageScorer.of(store, scorer).score(images);
            ImageScorer.Scores fromEngine = ImageScorer.of(scoring, 2).score(images);
            double maxMap = 0;
            for (int i = 0; i < images.size(); i++) {
                assertEquals(fromEngine.scores()[i], fromFeatures.scores()[i], 1e-5, "score " + i);
                for (int p = 0; p < fromEngine.maps()[i].length; p++) {
                    maxMap = Math.max(maxMap, Math.abs(fromEngine.maps()[i][p] - fromFeatures.maps()[i][p]));
                }
            }
            System.out.printf("FeatureScorer vs engine: max map difference %.2e%n", maxMap);
            assertTrue(maxMap < 1e-4, "max map difference " + maxMap);
            // the placeholder text of the feature graph does not change its features
            AnomalyEngine.FeatureBatch a = features.features(new float[3 * 224 * 224], 1);
            AnomalyEngine.FeatureBatch b = scoring.features(new float[3 * 224 * 224], 1);
            assertArrayEquals(b.patchFeatures(), a.patchFeatures(), 1e-5f);
            assertArrayEquals(b.imageFeatures(), a.imageFeatures(), 1e-5f);
        }
    }

    @Test
    void theFeatureGraphIsBuiltOnceAndReused() {
        List<String> log = new java.util.ArrayList<>();
        FeatureGraph first = FeatureGraph.ensure(tmp.resolve("c"), clip, "sha-a", arch, settings, log::add);
        FeatureGraph second = FeatureGraph.ensure(tmp.resolve("c"), clip, "sha-a", arch, settings, log::add);
        assertEquals(first, second);
        assertTrue(log.get(0).startsWith("building") && log.get(1).startsWith("reusing"), log.toString());
        assertEquals(dev.anomalyedge.util.Digests.sha256(first.model(), first.model().resolveSibling("visual.onnx.data")), first.sha256());
    }

    @Test
    void anInt8FeatureGraphIsAnotherGraphWithInt8LinearLayers() throws java.io.IOException {
        FeatureGraph fp32 = FeatureGraph.ensure(tmp.resolve("p"), clip, "sha-a", arch, settings, s -> { });
        FeatureGraph int8 = FeatureGraph.ensure(tmp.resolve("p"), clip, "sha-a", arch, settings, dev.anomalyedge.graph.Precision.INT8, s -> { });
        assertTrue(!fp32.model().equals(int8.model()) && !fp32.sha256().equals(int8.sha256()), "own directory and cache key");
        ai.onnx.proto.OnnxMl.ModelProto proto;
        try (java.io.InputStream in = java.nio.file.Files.newInputStream(int8.model())) {
            proto = ai.onnx.proto.OnnxMl.ModelProto.parseFrom(in);
        }
        assertTrue(proto.getGraph().getNodeList().stream().anyMatch(n -> n.getOpType().equals("DynamicQuantizeMatMul")));
        assertEquals(fp32, FeatureGraph.ensure(tmp.resolve("p"), clip, "sha-a", arch, settings, s -> { }), "FP32 id unchanged");
    }
}
