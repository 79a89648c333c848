package dev.anomalyedge.training;

import dev.anomalyedge.demo.DemoModel;
import dev.anomalyedge.demo.RandomClip;
import dev.anomalyedge.engine.AnomalyEngine;
import dev.anomalyedge.engine.ort.OrtAnomalyEngine;
import dev.anomalyedge.features.FeatureCache;
import dev.anomalyedge.features.FeatureGraph;
import dev.anomalyedge.inspection.EngineBatches;
import dev.anomalyedge.inspection.Preprocessing;
import dev.anomalyedge.model.AnomalyClipSettings;
import dev.anomalyedge.model.ClipArchitecture;
import dev.anomalyedge.synthetic.SyntheticParts;
import dev.anomalyedge.tensor.DType;
import dev.anomalyedge.tensor.Tensor;
import dev.anomalyedge.text.PromptDims;
import dev.anomalyedge.text.PromptLearner;
import dev.anomalyedge.text.PromptTemplates;
import dev.anomalyedge.text.TextEncoder;
import dev.anomalyedge.torch.TorchRuntime;
import dev.anomalyedge.training.torch.Losses;
import dev.anomalyedge.training.torch.PromptOptimizer;
import dev.anomalyedge.training.torch.StepResult;
import dev.anomalyedge.training.torch.StepTimings;
import dev.anomalyedge.training.torch.TrainingBatch;
import dev.anomalyedge.training.torch.TrainingStep;
import dev.anomalyedge.util.ProcessMemory;
import dev.anomalyedge.weights.Checkpoints;
import dev.anomalyedge.weights.Safetensors;
import dev.anomalyedge.weights.StateDict;

import javax.imageio.ImageIO;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Measures what a training run costs on this machine, without a data set: feature extraction with the full vision
 * graph (s/image), reading a batch from the float16 feature cache, and optimiser steps with the full text encoder
 * (s/step); from these, the implied time of a run of a given number of epochs over a data set of a given size. Uses a
 * random CLIP of the chosen architecture (untrained weights cost the same as real ones) and synthetic part images.
 * A measurement, not a test: it reports through {@code out} as it goes and returns the numbers.
 */
public final class TrainingBenchmark {
    /** The CLIP to time: the full-size one with the official settings, or the tiny demo one. */
    public enum Arch {
        /** ViT-L/14@336 at 518 px, taps 6, 12, 18, 24: what the official run trains. */
        VIT_L_14_336,
        /** The demo model's tiny architecture and settings (seconds, for tests). */
        DEMO;

        ClipArchitecture architecture() {
            return this == VIT_L_14_336 ? RandomClip.vitL14at336() : DemoModel.architecture();
        }

        AnomalyClipSettings settings() {
            return this == VIT_L_14_336 ? AnomalyClipSettings.defaults() : DemoModel.settings();
        }

        /** Token ids of the two prompts: the real CLIP vocabulary for the full size, the demo's byte tokenizer otherwise. */
        long[][] promptTokenIds() {
            int contextLength = architecture().contextLength();
            return this == VIT_L_14_336 ? officialTokenIds(contextLength)
                    : DemoModel.byteTokenizer().tokenize(PromptTemplates.texts(settings().nCtx()), contextLength);
        }
    }

    /**
     * @param arch        the architecture to time
     * @param clip        CLIP checkpoint to use instead of a random one (must match {@code arch}), or null
     * @param work        working directory: random CLIP, feature graph, cache, images
     * @param images      images to extract features of (the first is a warm-up when there are several)
     * @param steps       timed training steps after one warm-up step
     * @param batchSize   images per training step
     * @param epochs      epochs of the implied run
     * @param datasetSize images of the implied run
     * @param threads     CPU threads for ONNX Runtime and libtorch
     * @param randomFeatures time the steps on seeded random features of the right shapes instead of extracting them
     *                    (no vision graph, no extraction: the step costs the same, its loss values mean nothing)
     */
    public record Options(Arch arch, Path clip, Path work, int images, int steps, int batchSize, int epochs, int datasetSize,
                          int threads, boolean randomFeatures) {
        /** Features extracted with the vision graph. */
        public Options(Arch arch, Path clip, Path work, int images, int steps, int batchSize, int epochs, int datasetSize, int threads) {
            this(arch, clip, work, images, steps, batchSize, epochs, datasetSize, threads, false);
        }

        public Options {
            if (arch == null || work == null) throw new IllegalArgumentException("the architecture and the working directory are required");
            if (images < 1 || steps < 1 || batchSize < 1 || epochs < 1 || datasetSize < 1 || threads < 1) {
                throw new IllegalArgumentException("images, steps, batch size, epochs, data set size and threads must be >= 1, got "
                        + images + ", " + steps + ", " + batchSize + ", " + epochs + ", " + datasetSize + ", " + threads);
            }
        }
    }

    /**
     * The measured numbers and the run they imply.
     *
     * @param extractSecondsPerImage decode + preprocess + vision graph, per image
     * @param cacheBatchSeconds      reading one batch of features from the float16 cache
     * @param stepSeconds            one optimiser step (text encoder forward + backward), per step
     * @param impliedSteps           training steps of the implied run: epochs × ⌈data set size / batch size⌉
     * @param impliedExtractSeconds  extracting the features of the data set once
     * @param impliedTrainSeconds    the implied steps, each with one cache batch read
     */
    public record Result(double extractSecondsPerImage, double cacheBatchSeconds, double stepSeconds, int impliedSteps,
                         double impliedExtractSeconds, double impliedTrainSeconds) {

        /** The implied run of {@code o.epochs()} epochs over {@code o.datasetSize()} images, from the measured numbers. */
        static Result implied(Options o, double extractSecondsPerImage, double cacheBatchSeconds, double stepSeconds) {
            int steps = PromptTrainer.stepsPerEpoch(o.datasetSize(), o.batchSize()) * o.epochs();
            return new Result(extractSecondsPerImage, cacheBatchSeconds, stepSeconds, steps,
                    o.datasetSize() * extractSecondsPerImage, steps * (stepSeconds + cacheBatchSeconds));
        }

        public double impliedTotalSeconds() {
            return impliedExtractSeconds + impliedTrainSeconds;
        }

        public double impliedHours() {
            return impliedTotalSeconds() / 3600;
        }
    }

    private TrainingBenchmark() {}

    /**
     * Runs the measurement. Results go to {@code out} line by line; progress of the feature-graph build goes to
     * {@code log}. Sets libtorch's process-wide thread count to {@code o.threads()}.
     */
    public static Result run(Options o, Consumer<String> out, Consumer<String> log) throws IOException {
        ClipArchitecture a = o.arch().architecture();
        AnomalyClipSettings settings = o.arch().settings();
        int s = settings.imageSize(), b = o.batchSize();
        Files.createDirectories(o.work());
        out.accept("architecture " + a);
        out.accept(format("settings: %d px, taps %s, %d CPU threads", s, settings.featuresList(), o.threads()));
        TorchRuntime.setThreads(o.threads());

        Path clipFile = o.clip() != null ? o.clip() : randomClip(o, a, out);
        long t0 = System.nanoTime();
        StateDict weights = Checkpoints.read(clipFile);
        out.accept(format("CLIP read in %.1f s", secondsSince(t0)));
        int k = settings.featuresList().size(), t = settings.grid(a) * settings.grid(a) + 1, e = a.embedDim();
        float[] batchImage = new float[b * e];
        float[] batchPatch = new float[Math.toIntExact((long) k * b * t * e)];
        double extractSeconds = Double.NaN, cacheSeconds = 0;
        if (o.randomFeatures()) {
            java.util.Random random = new java.util.Random(DemoModel.SEED);
            for (int i = 0; i < batchImage.length; i++) batchImage[i] = (float) random.nextGaussian();
            for (int i = 0; i < batchPatch.length; i++) batchPatch[i] = (float) random.nextGaussian();
            out.accept(format("random features: [%d, %d] image, [%d, %d, %d, %d] patch (no vision graph, no cache)", b, e, k, b, t, e));
        } else {
            double[] measured = extractAndCache(o, a, settings, weights, clipFile, batchImage, batchPatch, out, log);
            extractSeconds = measured[0];
            cacheSeconds = measured[1];
        }

        // ---- training steps with the full text encoder
        TrainingBatch batch = labelled(batchImage, batchPatch, b, k, t, e, s);
        PromptTrainer.Options official = PromptTrainer.Options.official();
        double stepSeconds;
        try (TextEncoder encoder = TextEncoder.load(weights, a);
             PromptLearner learner = PromptLearner.initialise(PromptDims.of(settings, a), o.arch().promptTokenIds(), weights,
                     official.seed());
             PromptOptimizer optimizer = new PromptOptimizer(learner, official.optimizerSettings(1))) {
            weights = null; // the encoder and the learner hold what they need: the CLIP weights may go before the steps
            stepSeconds = timeSteps(new TrainingStep(encoder, new Losses(official.recipe()), optimizer), batch, o.steps(), out);
        }
        out.accept(format("training: %.2f s/step = %.3f steps/s (batch %d, text encoder forward + backward, %d taps at %d px)",
                stepSeconds, 1 / stepSeconds, b, k, s));

        Result r = Result.implied(o, extractSeconds, cacheSeconds, stepSeconds);
        out.accept(format("implied for %d images x %d epochs (batch %d, %d steps):", o.datasetSize(), o.epochs(), b, r.impliedSteps()));
        out.accept("  feature extraction once: " + (o.randomFeatures() ? "not measured (random features)" : hours(r.impliedExtractSeconds())));
        out.accept(format("  training from the cache: %s (%.2f s/step incl. %.3f s cache read)", hours(r.impliedTrainSeconds()),
                stepSeconds + cacheSeconds, cacheSeconds));
        out.accept(format("  total: %s; feature cache %.1f GB", o.randomFeatures() ? "not measured" : hours(r.impliedTotalSeconds()),
                o.datasetSize() * FeatureCache.entryBytes(k, t, e) / 1e9));
        out.accept("peak RSS: " + ProcessMemory.peakRss());
        return r;
    }

    /**
     * Builds (or reuses) the feature graph, extracts {@code o.images()} synthetic images, writes them to the float16
     * cache and reads one batch from it into {@code batchImage} [B, E] and {@code batchPatch} [K, B, T, E]; returns
     * (seconds per extracted image, seconds to read the batch).
     */
    private static double[] extractAndCache(Options o, ClipArchitecture a, AnomalyClipSettings settings, StateDict weights, Path clipFile,
                                            float[] batchImage, float[] batchPatch, Consumer<String> out, Consumer<String> log)
            throws IOException {
        int s = settings.imageSize(), b = o.batchSize();
        long t0 = System.nanoTime();
        String sha = Checkpoints.sha256(clipFile);
        out.accept(format("CLIP hashed in %.1f s", secondsSince(t0)));
        t0 = System.nanoTime();
        FeatureGraph graph = FeatureGraph.ensure(o.work().resolve("cache"), weights, sha, a, settings, log);
        out.accept(format("feature graph ready in %.1f s (%.2f GB)", secondsSince(t0),
                (Files.size(graph.model()) + Files.size(graph.model().resolveSibling("visual.onnx.data"))) / 1e9));

        List<FeatureCache.Entry> features = new ArrayList<>();
        double extractSeconds = extractFeatures(graph, syntheticParts(o, s), o.threads(), features, out);
        out.accept(format("feature extraction: %.2f s/image = %.4f images/s (decode + preprocess + vision graph%s; load average %s)",
                extractSeconds, 1 / extractSeconds, o.images() > 1 ? "; first image excluded as warm-up" : "", loadAverage()));

        // ---- the float16 cache: write the entries, then time reading one batch
        FeatureCache.Entry first = features.get(0);
        int k = first.taps(), t = first.tokens(), e = first.embedDim();
        if ((long) k * b * t * e != batchPatch.length) throw new IllegalStateException("extracted features [" + k + ", " + t + ", " + e
                + "] do not match the settings' shapes");
        FeatureCache cache = FeatureCache.open(o.work().resolve("cache/features"), 64L << 30);
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < features.size(); i++) {
            keys.add(FeatureCache.key(graph.sha256(), "benchmark-image-" + i, "benchmark"));
            cache.put(keys.get(i), features.get(i));
        }
        long c0 = System.nanoTime();
        for (int i = 0; i < b; i++) cache.copyInto(keys.get(i % keys.size()), i, b, batchImage, batchPatch, k, t, e);
        double cacheSeconds = secondsSince(c0);
        out.accept(format("cache: %.1f MB per image (float16); a batch of %d read in %.3f s",
                FeatureCache.entryBytes(k, t, e) / 1e6, b, cacheSeconds));

        return new double[] {extractSeconds, cacheSeconds};
    }

    /** The random CLIP of {@code o.arch()} in the working directory, written (F16, the demo seed) unless already there. */
    private static Path randomClip(Options o, ClipArchitecture a, Consumer<String> out) throws IOException {
        Path file = o.work().resolve("random-" + o.arch().name().toLowerCase(Locale.ROOT) + ".safetensors");
        if (!Files.isRegularFile(file)) {
            long t0 = System.nanoTime();
            Safetensors.write(file, RandomClip.generate(a, DemoModel.SEED), Map.of("note", "random weights for benchmarks"), DType.F16);
            out.accept(format("random CLIP written in %.1f s", secondsSince(t0)));
        }
        return file;
    }

    /** {@code o.images()} synthetic parts as PNG files, good and scratched in turn. */
    private static List<Path> syntheticParts(Options o, int imageSize) throws IOException {
        Path dir = Files.createDirectories(o.work().resolve("images"));
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < o.images(); i++) {
            Path png = dir.resolve("part_" + i + ".png");
            SyntheticParts.Defect defect = i % 2 == 0 ? SyntheticParts.Defect.NONE : SyntheticParts.Defect.SCRATCH;
            ImageIO.write(SyntheticParts.generate(imageSize, 1000 + i, defect).image(), "png", png.toFile());
            files.add(png);
        }
        return files;
    }

    /**
     * Extracts the features of {@code images} one engine call each (the training's path: {@link Preprocessing} then
     * {@link EngineBatches#features}), adds them to {@code features} and returns the seconds per image, the first
     * image excluded as warm-up when there are several.
     */
    private static double extractFeatures(FeatureGraph graph, List<Path> images, int threads, List<FeatureCache.Entry> features,
                                          Consumer<String> out) {
        double firstSeconds = 0, allSeconds = 0;
        try (OrtAnomalyEngine engine = OrtAnomalyEngine.open(graph.model(), threads)) {
            Preprocessing preprocessing = new Preprocessing(engine.imageSize());
            out.accept("engine opened, peak RSS " + ProcessMemory.peakRss());
            for (int i = 0; i < images.size(); i++) {
                long i0 = System.nanoTime();
                AnomalyEngine.FeatureBatch f = EngineBatches.features(engine, List.of(preprocessing.prepare(images.get(i)).tensor()), 1).get(0);
                features.add(new FeatureCache.Entry(f.taps(), f.tokens(), f.embedDim(), f.imageFeatures(), f.patchFeatures()));
                double seconds = secondsSince(i0);
                out.accept(format("  image %d: %.1f s", i + 1, seconds));
                if (i == 0) firstSeconds = seconds;
                allSeconds += seconds;
            }
            // the same image scored as the service scores it: extraction should cost what inference costs (one graph run)
            float[] last = preprocessing.prepare(images.get(images.size() - 1)).tensor();
            long s0 = System.nanoTime();
            EngineBatches.score(engine, List.of(last), 1);
            out.accept(format("  inference of the last image on the same graph (score and map, for comparison): %.2f s", secondsSince(s0)));
        }
        return images.size() > 1 ? (allSeconds - firstSeconds) / (images.size() - 1) : allSeconds;
    }

    /** The batch with labels 0, 1, 0, 1, … and, for each anomalous image, a square mask over the middle of the image. */
    private static TrainingBatch labelled(float[] image, float[] patch, int b, int k, int t, int e, int s) {
        long[] labels = new long[b];
        float[] masks = new float[b * s * s];
        for (int i = 0; i < b; i++) {
            labels[i] = i % 2;
            if (labels[i] == 1) {
                for (int y = s / 3; y < s / 2; y++) for (int x = s / 3; x < s / 2; x++) masks[i * s * s + y * s + x] = 1;
            }
        }
        return new TrainingBatch(Tensor.ofFloats(new long[] {b, e}, image), Tensor.ofFloats(new long[] {k, b, t, e}, patch), labels,
                Tensor.ofFloats(new long[] {b, s, s}, masks));
    }

    /**
     * One warm-up step, then {@code steps} timed ones on {@code batch}; prints each step, then the mean per-step
     * breakdown ({@link StepTimings}) and the process CPU seconds per step (less sensitive than wall time to other
     * work on a shared machine); returns the wall seconds per timed step.
     */
    private static double timeSteps(TrainingStep step, TrainingBatch batch, int steps, Consumer<String> out) {
        long w0 = System.nanoTime();
        step.run(batch);
        out.accept(format("warm-up step: %.2f s", secondsSince(w0)));
        StepTimings sum = StepTimings.ZERO, sumCpu = StepTimings.ZERO;
        long cpu0 = StepTimings.processCpuNanos();
        long s0 = System.nanoTime();
        for (int i = 0; i < steps; i++) {
            long i0 = System.nanoTime();
            StepResult r = step.run(batch);
            sum = sum.plus(r.timings());
            sumCpu = sumCpu.plus(r.cpu());
            out.accept(format("  step %d: %.3f s, loss %.4f", i + 1, secondsSince(i0), r.losses().total()));
        }
        double wall = secondsSince(s0) / steps;
        double cpu = (StepTimings.processCpuNanos() - cpu0) / 1e9 / steps;
        out.accept("per step, wall: " + sum.dividedBy(steps).summary());
        out.accept("per step, process CPU: " + sumCpu.dividedBy(steps).summary());
        out.accept(format("per step: %.3f s wall, %.3f s process CPU (%d libtorch threads; load average %s)", wall, cpu,
                TorchRuntime.threads(), loadAverage()));
        return wall;
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

    /** The first three fields of /proc/loadavg (Linux), or "unknown". */
    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    private static String format(String pattern, Object... args) {
        return String.format(Locale.ROOT, pattern, args);
    }

    private static double secondsSince(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    private static String hours(double seconds) {
        return format("%.0f s = %.1f h", seconds, seconds / 3600);
    }
}
