package dev.anomalyedge.cli;

import dev.anomalyedge.demo.DemoModel;
import dev.anomalyedge.demo.RandomClip;
import dev.anomalyedge.synthetic.SyntheticParts;
import dev.anomalyedge.engine.AnomalyEngine;
import dev.anomalyedge.engine.ort.OrtAnomalyEngine;
import dev.anomalyedge.inspection.EngineBatches;
import dev.anomalyedge.inspection.Preprocessing;
import dev.anomalyedge.model.AnomalyClipSettings;
import dev.anomalyedge.model.ClipArchitecture;
import dev.anomalyedge.tensor.DType;
import dev.anomalyedge.tensor.Tensor;
import dev.anomalyedge.text.PromptDims;
import dev.anomalyedge.text.PromptLearner;
import dev.anomalyedge.text.PromptTemplates;
import dev.anomalyedge.text.TextEncoder;
import dev.anomalyedge.torch.TorchRuntime;
import dev.anomalyedge.features.FeatureCache;
import dev.anomalyedge.features.FeatureGraph;
import dev.anomalyedge.training.PromptTrainer;
import dev.anomalyedge.training.torch.Losses;
import dev.anomalyedge.training.torch.PromptOptimizer;
import dev.anomalyedge.training.torch.Recipe;
import dev.anomalyedge.training.torch.TrainingBatch;
import dev.anomalyedge.training.torch.TrainingStep;
import dev.anomalyedge.weights.Checkpoints;
import dev.anomalyedge.weights.Safetensors;
import dev.anomalyedge.weights.StateDict;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import javax.imageio.ImageIO;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * Measures what a training run costs on this machine, without a data set: feature extraction with the full vision
 * graph (images/s), reading a batch from the float16 feature cache, and optimiser steps with the full text encoder
 * (steps/s), then the implied time of the official run (15 epochs, batch 8) over a data set of a given size. Uses a
 * random CLIP of the chosen architecture (untrained weights cost the same as real ones). A measurement, not a test.
 */
@Command(name = "benchmark-training", mixinStandardHelpOptions = true,
        description = "Time feature extraction and prompt-tuning steps on this CPU and print the implied time of a full training run.")
public class BenchmarkTrainingCommand implements Callable<Integer> {
    @Option(names = "--arch", defaultValue = "vit-l-14-336", converter = RandomClipCommand.ArchConverter.class,
            description = "vit-l-14-336 (full size, official settings: 518 px, taps 6,12,18,24) or demo (default: ${DEFAULT-VALUE})")
    RandomClipCommand.Arch arch;

    @Option(names = "--clip", description = "CLIP checkpoint to use instead of generating a random one (must match --arch)")
    Path clip;

    @Option(names = "--work", defaultValue = "bench-training", description = "working directory: random CLIP, feature graph, cache (default: ${DEFAULT-VALUE})")
    Path work;

    @Option(names = "--images", defaultValue = "2", description = "images to extract features of (default: ${DEFAULT-VALUE})")
    int images;

    @Option(names = "--steps", defaultValue = "3", description = "timed training steps after one warm-up step (default: ${DEFAULT-VALUE})")
    int steps;

    @Option(names = "--batch-size", defaultValue = "8", description = "images per training step (default: ${DEFAULT-VALUE})")
    int batchSize;

    @Option(names = "--epochs", defaultValue = "15", description = "epochs of the implied run (default: ${DEFAULT-VALUE})")
    int epochs;

    @Option(names = "--dataset-size", defaultValue = "1725", description = "images of the implied run (default: ${DEFAULT-VALUE})")
    int datasetSize;

    @Option(names = "--threads", description = "CPU threads (default: all cores)")
    Integer threads;

    @Override
    public Integer call() throws Exception {
        int n = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        boolean full = arch == RandomClipCommand.Arch.vit_l_14_336;
        ClipArchitecture a = full ? RandomClip.vitL14at336() : DemoModel.architecture();
        AnomalyClipSettings settings = full ? AnomalyClipSettings.defaults() : DemoModel.settings();
        int s = settings.imageSize(), g = settings.grid(a), k = settings.featuresList().size(), e = a.embedDim(), t = g * g + 1;
        Files.createDirectories(work);
        System.out.printf(Locale.ROOT, "architecture %s%nsettings: %d px, taps %s, %d CPU threads%n", a, s, settings.featuresList(), n);
        TorchRuntime.setThreads(n);

        Path clipFile = clip != null ? clip : work.resolve("random-" + arch.name() + ".safetensors");
        if (!Files.isRegularFile(clipFile)) {
            long t0 = System.nanoTime();
            Safetensors.write(clipFile, RandomClip.generate(a, DemoModel.SEED), Map.of("note", "random weights for benchmarks"), DType.F16);
            System.out.printf(Locale.ROOT, "random CLIP written in %.1f s%n", secondsSince(t0));
        }
        long t0 = System.nanoTime();
        StateDict weights = Checkpoints.read(clipFile);
        String sha = Checkpoints.sha256(clipFile);
        System.out.printf(Locale.ROOT, "CLIP read and hashed in %.1f s%n", secondsSince(t0));
        t0 = System.nanoTime();
        FeatureGraph graph = FeatureGraph.ensure(work.resolve("cache"), weights, sha, a, settings, Console::info);
        System.out.printf(Locale.ROOT, "feature graph ready in %.1f s (%.2f GB)%n", secondsSince(t0),
                (Files.size(graph.model()) + Files.size(graph.model().resolveSibling("visual.onnx.data"))) / 1e9);

        // ---- feature extraction, one image per engine call
        float[] imageFeatures = new float[images * e];
        float[] patchFeatures = new float[images * k * t * e];        // per image [K, T, E]
        Path imageDir = Files.createDirectories(work.resolve("images"));
        Preprocessing preprocessing = new Preprocessing(s);
        double extractSeconds;                                      // per image, after the first (warm-up) one when there are several
        try (OrtAnomalyEngine engine = OrtAnomalyEngine.open(graph.model(), n)) {
            System.out.printf(Locale.ROOT, "engine opened, peak RSS %s%n", BenchmarkCommand.peakRss());
            long e0 = System.nanoTime();
            double first = 0;
            for (int i = 0; i < images; i++) {
                Path png = imageDir.resolve("part_" + i + ".png");
                ImageIO.write(SyntheticParts.generate(s, 1000 + i, i % 2 == 0 ? SyntheticParts.Defect.NONE : SyntheticParts.Defect.SCRATCH)
                        .image(), "png", png.toFile());
                long i0 = System.nanoTime();
                AnomalyEngine.FeatureBatch f = EngineBatches.features(engine, List.of(preprocessing.prepare(png).tensor()), 1).get(0);
                System.arraycopy(f.imageFeatures(), 0, imageFeatures, i * e, e);
                System.arraycopy(f.patchFeatures(), 0, patchFeatures, i * k * t * e, k * t * e);
                System.out.printf(Locale.ROOT, "  image %d: %.1f s%n", i + 1, secondsSince(i0));
                if (i == 0) first = secondsSince(e0);
            }
            extractSeconds = images > 1 ? (secondsSince(e0) - first) / (images - 1) : secondsSince(e0);
        }
        System.out.printf(Locale.ROOT, "feature extraction: %.2f s/image = %.4f images/s (decode + preprocess + vision graph%s)%n",
                extractSeconds, 1 / extractSeconds, images > 1 ? "; first image excluded as warm-up" : "");

        // ---- the float16 cache: write the entries, then time reading one batch
        FeatureCache cache = FeatureCache.open(work.resolve("cache/features"), 64L << 30);
        String[] keys = new String[images];
        for (int i = 0; i < images; i++) {
            keys[i] = FeatureCache.key(graph.sha256(), "benchmark-image-" + i, "benchmark");
            cache.put(keys[i], new FeatureCache.Entry(k, t, e, Arrays.copyOfRange(imageFeatures, i * e, (i + 1) * e),
                    Arrays.copyOfRange(patchFeatures, i * k * t * e, (i + 1) * k * t * e)));
        }
        int b = batchSize;
        float[] batchImage = new float[b * e];
        float[] batchPatch = new float[Math.toIntExact((long) k * b * t * e)];
        long c0 = System.nanoTime();
        for (int i = 0; i < b; i++) cache.copyInto(keys[i % images], i, b, batchImage, batchPatch, k, t, e);
        double cacheSeconds = secondsSince(c0);
        System.out.printf(Locale.ROOT, "cache: %.1f MB per image (float16); a batch of %d read in %.3f s%n",
                FeatureCache.entryBytes(k, t, e) / 1e6, b, cacheSeconds);

        // ---- training steps with the full text encoder
        long[] labels = new long[b];
        float[] masks = new float[b * s * s];
        for (int i = 0; i < b; i++) {
            labels[i] = i % 2;
            if (labels[i] == 1) {
                for (int y = s / 3; y < s / 2; y++) for (int x = s / 3; x < s / 2; x++) masks[i * s * s + y * s + x] = 1;
            }
        }
        TrainingBatch batch = new TrainingBatch(Tensor.ofFloats(new long[] {b, e}, batchImage),
                Tensor.ofFloats(new long[] {k, b, t, e}, batchPatch), labels, Tensor.ofFloats(new long[] {b, s, s}, masks));
        long[][] ids = full ? officialTokenIds(a.contextLength())
                : DemoModel.byteTokenizer().tokenize(PromptTemplates.texts(settings.nCtx()), a.contextLength());
        double stepSeconds;
        try (TextEncoder encoder = TextEncoder.load(weights, a);
             PromptLearner learner = PromptLearner.initialise(PromptDims.of(settings, a), ids, weights, 111);
             PromptOptimizer opt = new PromptOptimizer(learner, PromptTrainer.Options.official().optimizerSettings(1))) {
            weights = null;
            TrainingStep step = new TrainingStep(encoder, new Losses(Recipe.OFFICIAL), opt);
            long w0 = System.nanoTime();
            step.run(batch);
            System.out.printf(Locale.ROOT, "warm-up step: %.2f s%n", secondsSince(w0));
            long s0 = System.nanoTime();
            for (int i = 0; i < steps; i++) {
                long i0 = System.nanoTime();
                double loss = step.run(batch).losses().total();
                System.out.printf(Locale.ROOT, "  step %d: %.2f s, loss %.4f%n", i + 1, secondsSince(i0), loss);
            }
            stepSeconds = secondsSince(s0) / steps;
        }
        System.out.printf(Locale.ROOT, "training: %.2f s/step = %.3f steps/s (batch %d, text encoder forward + backward, %d taps at %d px)%n",
                stepSeconds, 1 / stepSeconds, b, k, s);

        int perEpoch = PromptTrainer.stepsPerEpoch(datasetSize, b);
        int totalSteps = perEpoch * epochs;
        double extractAll = datasetSize * extractSeconds;
        double trainAll = totalSteps * (stepSeconds + cacheSeconds);
        System.out.printf(Locale.ROOT, "implied for %d images x %d epochs (batch %d, %d steps):%n", datasetSize, epochs, b, totalSteps);
        System.out.printf(Locale.ROOT, "  feature extraction once: %s%n", hours(extractAll));
        System.out.printf(Locale.ROOT, "  training from the cache: %s (%.2f s/step incl. %.3f s cache read)%n", hours(trainAll),
                stepSeconds + cacheSeconds, cacheSeconds);
        System.out.printf(Locale.ROOT, "  total: %s; feature cache %.1f GB%n", hours(extractAll + trainAll),
                datasetSize * FeatureCache.entryBytes(k, t, e) / 1e9);
        System.out.println("peak RSS: " + BenchmarkCommand.peakRss());
        return 0;
    }

    /**
     * Token ids of "X X … X object." and "X X … X damaged object." with the real CLIP vocabulary (docs/method.md §6.2): SOT 49406,
     * 12 × 343 (x), 13568 (damaged), 14115 (object), 269 (.), EOT 49407, zero padding.
     */
    static long[][] officialTokenIds(int contextLength) {
        long[][] ids = new long[2][contextLength];
        for (int r = 0; r < 2; r++) {
            int p = 0;
            ids[r][p++] = 49406;
            for (int i = 0; i < 12; i++) ids[r][p++] = 343;
            if (r == 1) ids[r][p++] = 13568;
            ids[r][p++] = 14115;
            ids[r][p++] = 269;
            ids[r][p] = 49407;
        }
        return ids;
    }

    private static double secondsSince(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    private static String hours(double seconds) {
        return String.format(Locale.ROOT, "%.0f s = %.1f h", seconds, seconds / 3600);
    }
}
