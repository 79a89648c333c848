package dev.anomalyedge.training;

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
}
