package dev.anomalyedge.training;

import dev.anomalyedge.features.FeatureStore;

import dev.anomalyedge.image.ImageDecoder;
import dev.anomalyedge.image.Preprocessor;
import dev.anomalyedge.tensor.Tensor;
import dev.anomalyedge.text.PromptLearner;
import dev.anomalyedge.text.TextEncoder;
import dev.anomalyedge.training.data.Sample;
import dev.anomalyedge.training.torch.Losses;
import dev.anomalyedge.training.torch.OptimizerSettings;
import dev.anomalyedge.training.torch.PromptOptimizer;
import dev.anomalyedge.training.torch.Recipe;
import dev.anomalyedge.training.torch.StepResult;
import dev.anomalyedge.training.torch.TrainingBatch;
import dev.anomalyedge.training.torch.TrainingStep;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * AnomalyCLIP's training loop ({@code train.py}, docs/method.md §8) over precomputed features:
 * <pre>
 * for epoch in 1..epochs:
 *     order = seeded shuffle of the samples                 (one SplittableRandom(seed) for the whole run)
 *     for each batch of B samples in that order (the last one may be smaller, even 1):
 *         features from the FeatureStore, masks via Preprocessor.mask (zeros for good or mask-less images)
 *         loss = Losses(recipe)(text_encoder(learner()), features, labels, masks)
 *         zero_grad; backward; Adam step                   (PromptOptimizer: lr, betas (0.5, 0.999))
 * </pre>
 * The order is reproducible for a seed, but it is not PyTorch's DataLoader order (that depends on torch's global RNG
 * stream). The prompt learner is updated in place; the caller owns the encoder and the learner.
 */
public final class PromptTrainer {
    /**
     * @param epochs    passes over the data (15)
     * @param batchSize images per step (8)
     * @param lr        Adam learning rate (1e-3)
     * @param seed      shuffling seed (111)
     * @param recipe    OFFICIAL (train.py) or MISSION
     */
    public record Options(int epochs, int batchSize, double lr, long seed, Recipe recipe) {
        public Options {
            if (epochs < 1) throw new IllegalArgumentException("epochs must be >= 1, got " + epochs);
            if (batchSize < 1) throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
            if (!(lr > 0) || !Double.isFinite(lr)) throw new IllegalArgumentException("learning rate must be > 0, got " + lr);
            if (recipe == null) throw new IllegalArgumentException("recipe must not be null");
        }

        /** The reference: 15 epochs, batch 8, lr 1e-3, seed 111, OFFICIAL. */
        public static Options official() {
            return new Options(15, 8, 1e-3, 111, Recipe.OFFICIAL);
        }

        /** The recipe's optimiser settings with this learning rate ({@code totalSteps} feeds MISSION's cosine schedule). */
        public OptimizerSettings optimizerSettings(int totalSteps) {
            OptimizerSettings base = OptimizerSettings.forRecipe(recipe, Math.max(1, totalSteps));
            return new OptimizerSettings(lr, base.beta1(), base.beta2(), base.eps(), base.maxGradNorm(), base.cosineSteps(),
                    Math.min(base.minLr(), lr));
        }
    }

    /** Mean loss and time of one epoch. */
    public record EpochSummary(int epoch, int steps, double meanLoss, double seconds) {}

    private final TextEncoder encoder;
    private final PromptLearner learner;
    private final FeatureStore features;
    private final Options options;
    private final Preprocessor preprocessor;
    private final ImageDecoder decoder = new ImageDecoder();
    private final Map<Path, BitSet> masks = new HashMap<>();

    public PromptTrainer(TextEncoder encoder, PromptLearner learner, FeatureStore features, Options options) {
        this.encoder = encoder;
        this.learner = learner;
        this.features = features;
        this.options = options;
        this.preprocessor = new Preprocessor(features.imageSize());
    }

    public static int stepsPerEpoch(int samples, int batchSize) {
        return (samples + batchSize - 1) / batchSize;
    }

    /**
     * Trains on {@code samples}; calls {@code progress} after every step.
     *
     * @throws CancellationException when {@code cancelled} turns true (checked before every step); the learner then
     *                               holds the parameters of the last completed step
     */
    public List<EpochSummary> train(List<Sample> samples, Consumer<TrainingProgress> progress, BooleanSupplier cancelled) {
        if (samples.isEmpty()) throw new IllegalArgumentException("no samples to train on");
        int n = samples.size(), b = options.batchSize();
        int perEpoch = stepsPerEpoch(n, b);
        int totalSteps = perEpoch * options.epochs();
        SplittableRandom random = new SplittableRandom(options.seed());
        List<EpochSummary> history = new ArrayList<>();
        long start = System.nanoTime();
        try (PromptOptimizer optimizer = new PromptOptimizer(learner, options.optimizerSettings(totalSteps))) {
            TrainingStep step = new TrainingStep(encoder, new Losses(options.recipe()), optimizer);
            int global = 0;
            for (int epoch = 1; epoch <= options.epochs(); epoch++) {
                long epochStart = System.nanoTime();
                int[] order = shuffled(n, random);
                double sum = 0;
                int steps = 0;
                for (int from = 0; from < n; from += b) {
                    if (cancelled.getAsBoolean()) throw new CancellationException("training cancelled at step " + global + " of " + totalSteps);
                    List<Sample> chunk = new ArrayList<>();
                    for (int i = from; i < Math.min(n, from + b); i++) chunk.add(samples.get(order[i]));
                    StepResult r = step.run(batch(chunk));
                    double loss = r.losses().total();
                    if (!Double.isFinite(loss)) {
                        throw new IllegalStateException("the loss is not finite (" + r.losses().summary() + ") at epoch " + epoch + " step " + (global + 1));
                    }
                    sum += loss;
                    steps++;
                    global++;
                    double elapsed = (System.nanoTime() - start) / 1e9;
                    progress.accept(new TrainingProgress(TrainingProgress.Phase.TRAINING, global, totalSteps, epoch, options.epochs(),
                            global, totalSteps, loss, sum / steps, elapsed, TrainingProgress.eta(global, totalSteps, elapsed)));
                }
                history.add(new EpochSummary(epoch, steps, sum / steps, (System.nanoTime() - epochStart) / 1e9));
            }
        }
        return history;
    }

    /** A Fisher–Yates permutation of 0..n−1 from {@code random}. */
    static int[] shuffled(int n, SplittableRandom random) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    /** Features, labels and masks of {@code chunk}. */
    public TrainingBatch batch(List<Sample> chunk) {
        FeatureStore.Batch f = features.batch(chunk.stream().map(Sample::image).toList());
        FeatureStore.Shape sh = f.shape();
        int b = chunk.size(), s = features.imageSize();
        long[] labels = new long[b];
        float[] m = new float[b * s * s];
        for (int i = 0; i < b; i++) {
            Sample smp = chunk.get(i);
            labels[i] = smp.label();
            BitSet bits = mask(smp);
            for (int p = bits.nextSetBit(0); p >= 0; p = bits.nextSetBit(p + 1)) m[i * s * s + p] = 1f;
        }
        return new TrainingBatch(Tensor.ofFloats(new long[] {b, sh.embedDim()}, f.imageFeatures()),
                Tensor.ofFloats(new long[] {sh.taps(), b, sh.tokens(), sh.embedDim()}, f.patchFeatures()), labels,
                Tensor.ofFloats(new long[] {b, s, s}, m));
    }

    /** The 0/1 mask [S·S] as set bits; empty for good images and anomalous images without mask (as the reference). */
    private BitSet mask(Sample smp) {
        if (!smp.anomalous() || !smp.hasMask()) return new BitSet();
        return masks.computeIfAbsent(smp.mask(), file -> {
            float[] v = preprocessor.mask(decoder.decode(file));
            BitSet bits = new BitSet(v.length);
            for (int p = 0; p < v.length; p++) if (v[p] != 0) bits.set(p);
            return bits;
        });
    }
}
