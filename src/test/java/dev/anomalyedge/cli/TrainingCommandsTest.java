package dev.anomalyedge.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.anomalyedge.bundle.CalibrationRecord;
import dev.anomalyedge.bundle.ModelBundle;
import dev.anomalyedge.bundle.TrainingRecord;
import dev.anomalyedge.bundle.ModelRepository;
import dev.anomalyedge.inspection.Calibration;
import dev.anomalyedge.training.DemoFixture;
import dev.anomalyedge.evaluation.Evaluation;
import dev.anomalyedge.training.Training;
import dev.anomalyedge.weights.Checkpoints;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * train → evaluate → calibrate on the command line with the tiny demo model and the synthetic parts: training on one
 * synthetic split improves the metrics on a separate one, the files and manifest entries are written, and the
 * inspection service's {@link Calibration} reads the thresholds back.
 */
class TrainingCommandsTest {
    static DemoFixture fx;
    static Path work, repo, trained;
    static JsonNode before, after;

    @BeforeAll
    static void trainAndEvaluate() throws Exception {
        fx = DemoFixture.get();
        work = Files.createTempDirectory("training-cli-");
        repo = work.resolve("models");
        ModelBundle untrained = fx.untrainedBundle();
        before = evaluate(untrained.dir(), work.resolve("eval-before"));

        trained = repo.resolve("demo/trained-1");
        List<String> args = new ArrayList<>(List.of("--clip", fx.clip.toString(), "--prompts", fx.prompts.toString(),
                "--data", fx.train.toString(), "--format", "mvtec", "--epochs", "6", "--batch-size", "8", "--seed", "111",
                "--out", trained.toString(), "--cache", work.resolve("cache").toString(), "--threads", "2", "--engine-batch", "4"));
        args.addAll(List.of(DemoFixture.modelOptions()));
        assertEquals(0, new CommandLine(new TrainCommand()).execute(args.toArray(new String[0])));
        after = evaluate(trained, work.resolve("eval-after"));
    }

    static JsonNode evaluate(Path bundle, Path out) throws Exception {
        assertEquals(0, new CommandLine(new EvaluateCommand()).execute("--bundle", bundle.toString(), "--data", fx.test.toString(),
                "--out", out.toString(), "--batch-size", "4", "--threads", "2"));
        return new ObjectMapper().readTree(out.resolve("metrics.json").toFile());
    }

    /**
     * Pixel AUROC, AUPRO and image AUROC all improve on the separate split: the demo's designed vision tower
     * ({@link dev.anomalyedge.demo.DemoVision}) carries the defect signal in its patch and class tokens, and only the
     * tuned prompts make the scores point at it.
     */
    @Test
    void trainingImprovesPixelAndImageMetricsOnASeparateSplit() {
        double pixelBefore = before.at("/mean/pixel_auroc").asDouble(), pixelAfter = after.at("/mean/pixel_auroc").asDouble();
        double proBefore = before.at("/mean/pixel_aupro").asDouble(), proAfter = after.at("/mean/pixel_aupro").asDouble();
        double imageBefore = before.at("/mean/image_auroc").asDouble(), imageAfter = after.at("/mean/image_auroc").asDouble();
        System.out.printf("test split, untrained -> trained: pixel AUROC %.4f -> %.4f, AUPRO %.4f -> %.4f, image AUROC %.4f -> %.4f%n",
                pixelBefore, pixelAfter, proBefore, proAfter, imageBefore, imageAfter);
        assertTrue(pixelAfter > pixelBefore + 0.1, "pixel AUROC " + pixelBefore + " -> " + pixelAfter);
        assertTrue(proAfter > proBefore, "AUPRO " + proBefore + " -> " + proAfter);
        assertTrue(imageAfter > imageBefore + 0.1, "image AUROC " + imageBefore + " -> " + imageAfter);
    }

    @Test
    void metricsJsonAndMarkdownHaveTheSpecifiedKeys() throws Exception {
        for (String section : new String[] {"/classes/demo_part", "/mean"}) {
            JsonNode m = after.at(section);
            assertEquals(Evaluation.METRIC_KEYS, iterate(m.fieldNames()), section);
            for (String k : Evaluation.METRIC_KEYS) assertTrue(m.get(k).isNumber(), section + " " + k);
        }
        assertEquals(24, after.at("/counts/demo_part/images").asInt());
        assertEquals(10, after.at("/counts/demo_part/good").asInt());
        String md = Files.readString(work.resolve("eval-after/metrics.md"));
        assertTrue(md.startsWith("| objects | pixel_auroc | pixel_aupro | image_auroc | image_ap | image_f1max |"), md);
        assertTrue(md.contains("| demo_part |") && md.contains("| mean |"), md);
    }

    @Test
    void theTrainedBundleIsInTheRepositoryWithItsTrainingRecordAndBothPromptFormats() throws Exception {
        ModelBundle b = ModelBundle.load(trained);
        assertEquals("demo", b.name());
        assertEquals("trained-1", b.version());
        assertTrue(new ModelRepository(repo).list().stream().anyMatch(e -> e.version().equals("trained-1") && e.loadable()));
        TrainingRecord t = b.manifest().training();
        assertEquals("official", t.recipe());
        assertEquals(6, t.epochs());
        assertEquals(8, t.batchSize());
        assertEquals(List.of(0.5, 0.999), t.betas());
        assertEquals(6 * 3, t.steps());
        assertEquals(6, t.epochLosses().size());
        assertEquals(dev.anomalyedge.torch.TorchRuntime.deviceName(), t.device(), "the libtorch device is recorded (cpu without CUDA)");
        assertTrue(String.valueOf(t.featureCache().engine()).matches("onnxruntime-cpu|tensorrt-fp(16|32)"), t.toString());
        assertNotNull(t.metricsBefore());
        assertNotNull(t.metrics());
        // the same tuned learner in both formats, with the reference's key names
        var st = Checkpoints.readPromptLearner(trained.resolve(ModelBundle.PROMPT_LEARNER));
        var pth = Checkpoints.readPromptLearner(trained.resolve(Training.PROMPT_LEARNER_PTH));
        assertEquals(List.copyOf(st.keys()), List.copyOf(pth.keys()));
        assertEquals("ctx_pos", st.keys().iterator().next());
        org.junit.jupiter.api.Assertions.assertArrayEquals(st.get("ctx_neg").floats(), pth.get("ctx_neg").floats());
        var start = Checkpoints.readPromptLearner(fx.prompts);
        assertFalse(java.util.Arrays.equals(start.get("ctx_neg").floats(), st.get("ctx_neg").floats()), "the prompts were tuned");
    }

    @Test
    void calibrateWritesThresholdsThatTheInspectionCalibrationReadsBack() throws Exception {
        Path copy = work.resolve("calibrated");
        copyTree(trained, copy);
        assertEquals(0, new CommandLine(new CalibrateCommand()).execute("--bundle", copy.toString(), "--data", fx.test.toString(),
                "--target-false-alarm-rate", "0.1", "--batch-size", "4", "--threads", "2"));
        ModelBundle b = ModelBundle.load(copy);
        CalibrationRecord c = b.manifest().calibration();
        JsonNode file = new ObjectMapper().readTree(copy.resolve(ModelBundle.MANIFEST).toFile()).get("calibration");
        for (String k : new String[] {"image_threshold", "pixel_threshold", "method", "target_false_alarm_rate", "n_good", "n_anomalous", "created_at"}) {
            assertTrue(file.has(k), k + " in " + file);
        }
        assertEquals("good_quantile", c.method());
        assertEquals(10, c.nGood());
        assertEquals(14, c.nAnomalous());
        Calibration cal = Calibration.fromManifest(c);
        assertEquals(c.imageThreshold(), cal.imageThreshold());
        assertNotNull(cal.pixelThreshold());
        assertEquals(0.5, cal.normalisedScore(cal.imageThreshold()), 1e-9);
        // 10 good images at a 10 % false-alarm rate: exactly one good part is flagged
        assertEquals(0.1, c.goodFlaggedRate(), 1e-12);

        // with anomalies and no target: F1-max
        assertEquals(0, new CommandLine(new CalibrateCommand()).execute("--bundle", copy.toString(), "--data", fx.test.toString(),
                "--threads", "2"));
        assertEquals("f1_max", ModelBundle.load(copy).manifest().calibration().method());
        assertNotNull(ModelBundle.load(copy).manifest().training(), "calibrating keeps the training record");
    }

    @Test
    void aGoodOnlyDataSetTrainsWithPseudoAnomaliesAndIsRefusedWithout() throws Exception {
        Path out = repo.resolve("demo/pseudo-1");
        List<String> args = new ArrayList<>(List.of("--clip", fx.clip.toString(), "--data", fx.goodOnly.toString(),
                "--epochs", "1", "--out", out.toString(), "--cache", work.resolve("cache").toString(), "--threads", "2",
                "--no-train-metrics"));
        args.addAll(List.of(DemoFixture.modelOptions()));
        String err = InspectCommandTest.run(new TrainCommand(), args.toArray(new String[0]));
        assertTrue(err.contains("no anomalous images") && err.contains("pseudo-anomalies"), err);
        assertFalse(Files.exists(out));

        args.add("--pseudo-anomalies");
        assertEquals(0, new CommandLine(new TrainCommand()).execute(args.toArray(new String[0])));
        TrainingRecord t = ModelBundle.load(out).manifest().training();
        assertEquals(true, t.pseudoAnomalies());
        assertEquals(6, t.good());
        assertEquals(6, t.anomalous(), "one pseudo-anomaly per good image");
        assertEquals("initialised with seed 111", t.initialPromptLearner());
        try (var s = Files.list(out.getParent())) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().contains(".work-")), "scratch folder removed");
        }
    }

    private static List<String> iterate(java.util.Iterator<String> it) {
        List<String> out = new ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }

    private static void copyTree(Path from, Path to) throws Exception {
        try (var s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(target);
                else Files.copy(p, target);
            }
        }
    }
}
