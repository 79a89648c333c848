package dev.anomalyedge.evaluation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.anomalyedge.image.ImageDecoder;
import dev.anomalyedge.image.Preprocessor;
import dev.anomalyedge.training.data.Dataset;
import dev.anomalyedge.training.data.DatasetLoader;
import dev.anomalyedge.training.data.Format;
import dev.anomalyedge.training.data.Sample;
import dev.anomalyedge.training.data.SyntheticDataset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Per-class metrics with a scorer that knows the answers: undefined metrics, skipped masks, JSON and Markdown. */
class EvaluationTest {
    @TempDir
    Path tmp;

    @Test
    void undefinedMetricsAreNullWithANoteAndMasklessAnomaliesAreSkippedForPixels() throws Exception {
        Path root = SyntheticDataset.generate(tmp.resolve("d"), 5, 0, 4, 4, 32);
        List<Sample> loaded = DatasetLoader.load(root, Format.MVTEC).samples();
        List<Sample> samples = new ArrayList<>(loaded);
        Sample anyBad = loaded.stream().filter(Sample::anomalous).findFirst().orElseThrow();
        samples.add(new Sample(anyBad.image(), anyBad.className(), Sample.ANOMALOUS, null, "unmasked", anyBad.split()));
        for (Sample s : loaded) {
            if (!s.anomalous()) samples.add(new Sample(s.image(), "good_only", Sample.GOOD, null, "good", s.split()));
        }
        Dataset ds = new Dataset(root, Format.MVTEC, samples, List.of());

        // perfect scorer: anomalous images score 0.9, good 0.1; maps are the ground truth itself
        Preprocessor pre = new Preprocessor(32);
        Map<Path, float[]> truth = new HashMap<>();
        for (Sample s : loaded) truth.put(s.image(), s.hasMask() ? pre.mask(new ImageDecoder().decode(s.mask())) : new float[32 * 32]);
        ImageScorer perfect = new ImageScorer() {
            @Override public int imageSize() { return 32; }
            @Override public Scores score(List<Path> images) {
                float[] sc = new float[images.size()];
                float[][] maps = new float[images.size()][];
                for (int i = 0; i < images.size(); i++) {
                    maps[i] = truth.get(images.get(i));
                    sc[i] = images.get(i).toString().contains("/good/") ? 0.1f : 0.9f;
                }
                return new Scores(sc, maps);
            }
        };
        Calibrator.Data cal = new Calibrator.Data(1.0);
        List<Integer> progress = new ArrayList<>();
        Evaluation.Report r = Evaluation.run(ds, perfect, 3, cal, progress::add, () -> false);
        assertEquals(samples.size(), progress.get(progress.size() - 1));
        assertEquals(8, cal.goodCount());
        assertEquals(5, cal.anomalousCount());
        assertEquals(4, cal.maskedAnomalousCount());

        Evaluation.ClassCounts parts = r.counts().get(SyntheticDataset.CLASS_NAME);
        assertEquals(new Evaluation.ClassCounts(9, 4, 5, 8, 1), parts);
        assertEquals(1.0, r.table().classes().get(SyntheticDataset.CLASS_NAME).imageAuroc());
        assertEquals(1.0, r.table().classes().get(SyntheticDataset.CLASS_NAME).pixelAuroc());
        assertTrue(Double.isNaN(r.table().classes().get("good_only").imageAuroc()));
        assertTrue(r.notes().stream().anyMatch(n -> n.startsWith("good_only: no anomalous image")), r.notes().toString());
        assertTrue(r.notes().stream().anyMatch(n -> n.contains("1 anomalous image(s) without mask skipped")), r.notes().toString());

        r.write(tmp.resolve("out"));
        JsonNode json = new ObjectMapper().readTree(tmp.resolve("out/metrics.json").toFile());
        assertTrue(json.at("/classes/good_only/image_auroc").isNull(), "undefined is null: " + json);
        assertTrue(json.at("/mean/image_auroc").isNull(), "np.mean semantics: a NaN class makes the mean NaN");
        assertEquals(1.0, json.at("/mean_over_defined/image_auroc").asDouble());
        assertEquals(1.0, json.at("/mean_over_defined/pixel_auroc").asDouble());
        assertEquals(Evaluation.METRIC_KEYS.size(), json.at("/mean").size());
        String md = Files.readString(tmp.resolve("out/metrics.md"));
        assertTrue(md.contains("| good_only | nan | nan | nan | nan | nan |"), md);
        assertTrue(md.contains("| demo_part | 100.0 |"), md);
        assertTrue(md.contains("Notes:"), md);
    }

    /**
     * The published protocol measures the test split: train/good images are neither scored nor counted unless asked for,
     * and a calibration still gets every good image. Here the train/good images score like anomalies, so counting them
     * would change the image AUROC from 1.0 to 0.4.
     */
    @Test
    void onlyTheTestSplitIsMeasuredUnlessTrainGoodIsAskedFor() {
        Path root = SyntheticDataset.generate(tmp.resolve("mvtec"), 7, 3, 2, 4, 32); // 3 train/good, 2 test/good, 4 anomalous
        Dataset ds = DatasetLoader.load(root, Format.MVTEC);
        assertEquals(9, ds.samples().size());
        List<Path> seen = new ArrayList<>();
        ImageScorer scorer = new ImageScorer() {
            @Override public int imageSize() { return 32; }
            @Override public Scores score(List<Path> images) {
                seen.addAll(images);
                float[] sc = new float[images.size()];
                float[][] maps = new float[images.size()][32 * 32];
                for (int i = 0; i < images.size(); i++) {
                    String p = images.get(i).toString();
                    sc[i] = p.contains("/train/") ? 0.95f : p.contains("/good/") ? 0.1f : 0.9f;
                }
                return new Scores(sc, maps);
            }
        };

        Evaluation.Report protocol = Evaluation.run(ds, scorer, 2, null, d -> { }, () -> false);
        assertTrue(seen.stream().noneMatch(p -> p.toString().contains("/train/")), "train/good is not even scored: " + seen);
        assertEquals(6, seen.size());
        Evaluation.ClassCounts c = protocol.counts().get(SyntheticDataset.CLASS_NAME);
        assertEquals(6, c.images());
        assertEquals(2, c.good());
        assertEquals(4, c.anomalous());
        assertEquals(1.0, protocol.mean().imageAuroc());
        assertTrue(protocol.notes().stream().anyMatch(n -> n.contains("3 image(s) of the train split not in the metrics")), protocol.notes().toString());

        Evaluation.Report withTrain = Evaluation.run(ds, Evaluation.Scope.WITH_TRAIN_GOOD, scorer, 2, null, d -> { }, () -> false);
        c = withTrain.counts().get(SyntheticDataset.CLASS_NAME);
        assertEquals(9, c.images());
        assertEquals(5, c.good());
        assertEquals(0.4, withTrain.mean().imageAuroc(), 1e-12, "each anomaly outranks the 2 test/good but not the 3 train/good");
        assertTrue(withTrain.notes().stream().noneMatch(n -> n.contains("train split")), withTrain.notes().toString());

        // calibration scores everything: the train/good images are good parts for a threshold
        Calibrator.Data cal = new Calibrator.Data(1.0);
        List<Integer> progress = new ArrayList<>();
        Evaluation.Report calibrating = Evaluation.run(ds, scorer, 2, cal, progress::add, () -> false);
        assertEquals(5, cal.goodCount());
        assertEquals(4, cal.anomalousCount());
        assertEquals(9, progress.get(progress.size() - 1));
        assertEquals(1.0, calibrating.mean().imageAuroc(), "the metrics still follow the protocol");
        assertEquals(6, calibrating.counts().get(SyntheticDataset.CLASS_NAME).images());
    }

    @Test
    void aClassWithNoTestImageIsUndefinedNotAnError() {
        Path root = SyntheticDataset.generate(tmp.resolve("train-only"), 8, 3, 0, 0, 32);
        Dataset ds = DatasetLoader.load(root, Format.MVTEC, dev.anomalyedge.training.data.LoadOptions.defaults().withPseudoAnomalies(true));
        ImageScorer constant = new ImageScorer() {
            @Override public int imageSize() { return 32; }
            @Override public Scores score(List<Path> images) {
                return new Scores(new float[images.size()], new float[images.size()][32 * 32]);
            }
        };
        Calibrator.Data cal = new Calibrator.Data(1.0);
        Evaluation.Report r = Evaluation.run(ds, constant, 2, cal, d -> { }, () -> false);
        assertEquals(3, cal.goodCount(), "calibration from good parts works on a train/good-only set");
        assertEquals(0, r.counts().get(SyntheticDataset.CLASS_NAME).images());
        assertTrue(Double.isNaN(r.mean().imageAuroc()));
        assertTrue(Evaluation.summary(r).contains("NaN"), Evaluation.summary(r));
    }
}
