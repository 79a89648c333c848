package dev.anomalyedge.evaluation;

import dev.anomalyedge.engine.ort.OrtAnomalyEngine;
import dev.anomalyedge.fewshot.FewShotScorer;
import dev.anomalyedge.fewshot.MemoryBank;
import dev.anomalyedge.graph.GoldenVision;
import dev.anomalyedge.inspection.Preprocessing;
import dev.anomalyedge.metrics.ClassMetrics;
import dev.anomalyedge.training.data.Dataset;
import dev.anomalyedge.training.data.DatasetLoader;
import dev.anomalyedge.training.data.Format;
import dev.anomalyedge.training.data.LoadOptions;
import dev.anomalyedge.training.data.SyntheticDataset;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.stream.IntStream;

/**
 * Fusion rules side by side on the generated parts and textures (20 good, 30 anomalous, k = 4 and 1), opt-in because it
 * scores every image once per kind and k: {@code -Dfusion.experiment=true} with golden case1's tiny random CLIP, plus
 * {@code -Dfusion.demo=true} with the demo model (224 px). Each rule combines the standardised signals z_zs, z_fs
 * (σ′ = max(σ, 0.1·|μ|) as in FewShotScorer); "swap:" rules exchange the roles of the two signals, to see what a rule
 * would keep of a useful zero-shot signal when the few-shot one is the weak one. Asserts that the product's FUSED keeps
 * the few-shot lift (within 0.03 of few-shot alone).
 */
class FusionExperimentTest {
    @TempDir
    Path tmp;

    @Test
    void rules() throws Exception {
        if (!Boolean.getBoolean("fusion.experiment")) {
            System.out.println("FusionExperimentTest skipped: a measurement, not a check of the build (run it with -Dfusion.experiment=true)");
        }
        Assumptions.assumeTrue(Boolean.getBoolean("fusion.experiment"), "a measurement: -Dfusion.experiment=true runs it");
        int good = 20, anomalous = 30;
        Path model;
        dev.anomalyedge.model.AnomalyClipSettings settings;
        if (Boolean.getBoolean("fusion.demo")) {
            Path work = tmp.resolve("demo");
            if (new picocli.CommandLine(new dev.anomalyedge.cli.DemoCommand()).execute("--out", work.toString(), "--untrained") != 0) throw new IllegalStateException();
            dev.anomalyedge.bundle.ModelBundle bundle = dev.anomalyedge.bundle.ModelBundle.load(work.resolve("models/demo/untrained-1"));
            model = bundle.graphFile();
            settings = bundle.settings();
        } else {
            GoldenVision c = GoldenVision.load("case1_p14_s112_taps4");
            model = tmp.resolve("case1.onnx");
            c.builder(c.settings()).write(model);
            settings = c.settings();
        }
        int side = settings.imageSize();
        try (OrtAnomalyEngine engine = OrtAnomalyEngine.open(model, 2)) {
            FewShotScorer scorer = new FewShotScorer(engine, settings, 8);
            Preprocessing pre = new Preprocessing(side);
            double upper = settings.mapUpperBound();
            for (SyntheticDataset.Kind kind : SyntheticDataset.Kind.values()) {
                Path root = SyntheticDataset.generate(tmp.resolve("data-" + kind), kind, 1313, 4, good, anomalous, 256);
                Dataset data = DatasetLoader.load(root, Format.MVTEC, LoadOptions.defaults());
                for (int k : new int[] {4, 1}) {
                    List<Path> shots = IntStream.range(0, k).mapToObj(i -> root.resolve(kind.className()).resolve(String.format(Locale.ROOT, "train/good/%03d.png", i))).toList();
                    MemoryBank bank = scorer.bank(shots.stream().map(p -> pre.prepare(p).tensor()).toList());
                    MemoryBank.Fusion f = bank.fusion();
                    System.out.printf(Locale.ROOT, "[fusion] %s k=%d stats zsScore %.4g±%.3g fsScore %.4g±%.3g zsPix %.4g±%.3g fsPix %.4g±%.3g%n",
                            kind, k, f.zsScoreMean(), f.zsScoreStd(), f.fsScoreMean(), f.fsScoreStd(), f.zsPixelMean(), f.zsPixelStd(), f.fsPixelMean(), f.fsPixelStd());
                    Map<Path, FewShotScorer.Signals> cache = new HashMap<>();
                    Map<String, BiFunction<Double, Double, Double>> rules = new LinkedHashMap<>();
                    rules.put("zs", (z, s) -> z);
                    rules.put("fs", (z, s) -> s);
                    rules.put("w13", (z, s) -> (z + 3 * s) / 4);
                    rules.put("w11", (z, s) -> (z + s) / 2);
                    rules.put("max", Math::max);
                    rules.put("fs+excess3", (z, s) -> s + Math.max(0, z - 3));
                    rules.put("swap:w13", (z, s) -> (s + 3 * z) / 4);
                    rules.put("swap:excess3", (z, s) -> z + Math.max(0, s - 3));
                    {
                        ClassMetrics m = run(data, scorer, bank, pre, cache, sg -> FewShotScorer.combine(sg, f, FewShotScorer.Mode.FUSED));
                        double mx = 0;
                        for (FewShotScorer.Signals sg : cache.values()) mx = Math.max(mx, Math.abs(FewShotScorer.combine(sg, f, FewShotScorer.Mode.FUSED).score()));
                        System.out.printf(Locale.ROOT, "[fusion] %s k=%d PRODUCT FUSED      image %.3f pixel %.3f  max|fused score| %.1f%n", kind, k, m.imageAuroc(), m.pixelAuroc(), mx);
                    }
                    ClassMetrics fewShotOnly = run(data, scorer, bank, pre, cache, sg -> FewShotScorer.combine(sg, f, FewShotScorer.Mode.FEW_SHOT));
                    ClassMetrics product = run(data, scorer, bank, pre, cache, sg -> FewShotScorer.combine(sg, f, FewShotScorer.Mode.FUSED));
                    org.junit.jupiter.api.Assertions.assertTrue(product.imageAuroc() > fewShotOnly.imageAuroc() - 0.03
                            && product.pixelAuroc() > fewShotOnly.pixelAuroc() - 0.03, kind + " k=" + k);
                    for (double floor : new double[] {0.1}) {
                        for (var rule : rules.entrySet()) {
                            ClassMetrics m = run(data, scorer, bank, pre, cache, (sg) -> {
                                double[] sd = {Math.max(f.zsScoreStd(), floor * Math.abs(f.zsScoreMean())), Math.max(f.fsScoreStd(), floor * Math.abs(f.fsScoreMean())),
                                        Math.max(f.zsPixelStd(), floor * Math.abs(f.zsPixelMean())), Math.max(f.fsPixelStd(), floor * Math.abs(f.fsPixelMean()))};
                                for (int i = 0; i < 4; i++) sd[i] = Math.max(sd[i], 1e-6);
                                float[] map = new float[sg.fewShotMap().length];
                                for (int i = 0; i < map.length; i++) {
                                    map[i] = (float) (double) rule.getValue().apply((sg.zeroShotMap()[i] - f.zsPixelMean()) / sd[2], (sg.fewShotMap()[i] - f.fsPixelMean()) / sd[3]);
                                }
                                double score = rule.getValue().apply((sg.zeroShotScore() - f.zsScoreMean()) / sd[0], (sg.fewShotScore() - f.fsScoreMean()) / sd[1]);
                                return new FewShotScorer.Scored((float) score, map, 0, 0);
                            });
                            System.out.printf(Locale.ROOT, "[fusion] %s k=%d floor=%.2g %-12s image %.3f pixel %.3f%n", kind, k, floor, rule.getKey(), m.imageAuroc(), m.pixelAuroc());
                        }
                    }
                    for (double top : new double[] {0.001, 0.01, 0.05}) {
                        ClassMetrics m = run(data, scorer, bank, pre, cache, sg -> {
                            float[] v = sg.fewShotMap().clone();
                            java.util.Arrays.sort(v);
                            int n = Math.max(1, (int) Math.round(top * v.length));
                            double sum = 0;
                            for (int i = v.length - n; i < v.length; i++) sum += v[i];
                            return new FewShotScorer.Scored((float) (sum / n / upper), sg.fewShotMap(), 0, 0);
                        });
                        System.out.printf(Locale.ROOT, "[fusion] %s k=%d few-shot image score = mean of the top %.1f%% of the map instead of its max: image %.3f%n", kind, k, 100 * top, m.imageAuroc());
                    }
                }
            }
        }
    }

    private static ClassMetrics run(Dataset data, FewShotScorer scorer, MemoryBank bank, Preprocessing pre, Map<Path, FewShotScorer.Signals> cache,
                                    java.util.function.Function<FewShotScorer.Signals, FewShotScorer.Scored> rule) {
        ImageScorer view = new ImageScorer() {
            @Override
            public int imageSize() { return pre.imageSize(); }

            @Override
            public Scores score(List<Path> images) {
                List<Path> missing = images.stream().filter(p -> !cache.containsKey(p)).toList();
                if (!missing.isEmpty()) {
                    List<FewShotScorer.Signals> s = scorer.signals(missing.stream().map(p -> pre.prepare(p).tensor()).toList(), bank);
                    for (int i = 0; i < missing.size(); i++) cache.put(missing.get(i), s.get(i));
                }
                float[] scores = new float[images.size()];
                float[][] maps = new float[images.size()][];
                for (int i = 0; i < images.size(); i++) {
                    FewShotScorer.Scored r = rule.apply(cache.get(images.get(i)));
                    scores[i] = r.score();
                    maps[i] = r.map();
                }
                return new Scores(scores, maps);
            }
        };
        return Evaluation.run(data, Evaluation.Scope.TEST_SPLIT, view, 8, null, n -> { }, () -> false).mean();
    }
}
