package dev.anomalyedge.evaluation;

import dev.anomalyedge.engine.ort.OrtAnomalyEngine;
import dev.anomalyedge.fewshot.FewShotScorer;
import dev.anomalyedge.graph.GoldenVision;
import dev.anomalyedge.metrics.ClassMetrics;
import dev.anomalyedge.training.data.Dataset;
import dev.anomalyedge.training.data.DatasetLoader;
import dev.anomalyedge.training.data.Format;
import dev.anomalyedge.training.data.LoadOptions;
import dev.anomalyedge.training.data.Sample;
import dev.anomalyedge.training.data.SyntheticDataset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Few-shot scoring against zero-shot on a small generated MVTec-layout set with golden case1's tiny random CLIP (112 px),
 * whose zero-shot signal is close to chance: the memory bank of k good images must lift image and pixel AUROC clearly,
 * and the fused default must keep most of that lift. It measures both generated kinds ({@link SyntheticDataset.Kind}: the
 * demo's parts and a stationary texture); {@code -Dfewshot.eval.kind=texture} (or {@code part}) measures one, and
 * {@code -Dfewshot.eval.good=20 -Dfewshot.eval.anomalous=30} the sizes of the README table, and
 * {@code -Dfewshot.eval.by-defect=true} adds the figures per defect type.
 */
class FewShotAurocTest {
    @TempDir
    Path tmp;

    @Test
    void fewShotAndFusedBeatZeroShotClearly() throws Exception {
        int good = Integer.getInteger("fewshot.eval.good", 8), anomalous = Integer.getInteger("fewshot.eval.anomalous", 12);
        GoldenVision c = GoldenVision.load("case1_p14_s112_taps4");
        Path model = tmp.resolve("case1.onnx");
        c.builder(c.settings()).write(model);
        try (OrtAnomalyEngine engine = OrtAnomalyEngine.open(model, 2)) {
            FewShotScorer scorer = new FewShotScorer(engine, c.settings(), 8);
            for (String kind : System.getProperty("fewshot.eval.kind", "part,texture").split(",")) {
                measure(scorer, SyntheticDataset.Kind.valueOf(kind.trim().toUpperCase(Locale.ROOT)), good, anomalous);
            }
        }
    }

    /** Zero-shot, few-shot only and fused AUROC on a held-out generated set of {@code kind}, k = 4 and k = 1. */
    private void measure(FewShotScorer scorer, SyntheticDataset.Kind kind, int good, int anomalous) {
        Path root = SyntheticDataset.generate(tmp.resolve("data-" + kind), kind, 1313, 4, good, anomalous, Integer.getInteger("fewshot.eval.size", 256));
        Dataset data = DatasetLoader.load(root, Format.MVTEC, LoadOptions.defaults());
        for (int k : new int[] {4, 1}) {
            List<Path> shots = IntStream.range(0, k)
                    .mapToObj(i -> root.resolve(kind.className()).resolve(String.format(Locale.ROOT, "train/good/%03d.png", i))).toList();
            FewShotEvaluation.Result r = FewShotEvaluation.run(data, Evaluation.Scope.TEST_SPLIT, scorer, 112, cls -> shots, 0, 8, n -> { });
            ClassMetrics z = r.zeroShot().mean(), f = r.fewShot().mean(), u = r.fused().mean();
            System.out.printf(Locale.ROOT, "[fewshot] %s k=%d (%d good, %d anomalous) image/pixel AUROC: zero-shot %.3f/%.3f, few-shot %.3f/%.3f, fused %.3f/%.3f%n",
                    kind.className(), k, good, anomalous, z.imageAuroc(), z.pixelAuroc(), f.imageAuroc(), f.pixelAuroc(), u.imageAuroc(), u.pixelAuroc());
            assertTrue(f.imageAuroc() > z.imageAuroc() + 0.1 && f.pixelAuroc() > z.pixelAuroc() + 0.1, r.toMarkdown());
            assertTrue(u.imageAuroc() > z.imageAuroc() + 0.1 && u.pixelAuroc() > z.pixelAuroc() + 0.1, r.toMarkdown());
            if (Boolean.getBoolean("fewshot.eval.by-defect")) byDefect(scorer, data, shots);
        }
    }

    /** The same figures with the good images and one defect type's anomalous images at a time (where the gap lies). */
    private static void byDefect(FewShotScorer scorer, Dataset data, List<Path> shots) {
        for (String type : data.samples().stream().filter(Sample::anomalous).map(Sample::defectType).distinct().sorted().toList()) {
            List<Sample> kept = data.samples().stream().filter(s -> !s.anomalous() || s.defectType().equals(type)).toList();
            Dataset one = new Dataset(data.root(), data.format(), kept, List.of());
            FewShotEvaluation.Result r = FewShotEvaluation.run(one, Evaluation.Scope.TEST_SPLIT, scorer, 112, cls -> shots, 0, 8, n -> { });
            ClassMetrics z = r.zeroShot().mean(), f = r.fewShot().mean(), u = r.fused().mean();
            System.out.printf(Locale.ROOT, "[fewshot]   only %-16s (%d anomalous) zero-shot %.3f/%.3f, few-shot %.3f/%.3f, fused %.3f/%.3f%n", type,
                    kept.stream().filter(Sample::anomalous).count(), z.imageAuroc(), z.pixelAuroc(), f.imageAuroc(), f.pixelAuroc(),
                    u.imageAuroc(), u.pixelAuroc());
        }
    }
}
