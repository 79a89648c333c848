package dev.anomalyedge.training.torch;

import dev.anomalyedge.text.PromptLearner;
import dev.anomalyedge.text.TextEncoder;
import dev.anomalyedge.torch.TorchTensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

import java.util.Map;

/**
 * One prompt-tuning step from precomputed visual features:
 * <pre>
 * prompts = learner()  →  t = normalise(text_encoder(prompts))   [2, E]
 * loss    = Losses(t, batch)                                      (scalar, autograd into the learner)
 * zero_grad; loss.backward(); [clip]; Adam step                   (PromptOptimizer)
 * </pre>
 * The visual encoder is frozen, so the batch's features are constants. The step owns nothing: the caller owns the
 * text encoder and the optimiser (and through it the learner) and closes them. Every temporary libtorch object of a
 * call is freed before it returns. Not thread-safe.
 */
public final class TrainingStep {
    /** Gradients of the total loss, taken without updating the parameters. */
    public record Gradients(LossTerms losses, Map<String, dev.anomalyedge.tensor.Tensor> byParameter) {}

    private final TextEncoder encoder;
    private final Losses losses;
    private final PromptOptimizer optimizer;

    public TrainingStep(TextEncoder encoder, Losses losses, PromptOptimizer optimizer) {
        if (encoder == null || losses == null || optimizer == null) throw new IllegalArgumentException("encoder, losses and optimiser are required");
        this.encoder = encoder;
        this.losses = losses;
        this.optimizer = optimizer;
    }

    /** A step with the recipe's losses and a new optimiser over {@code learner} (the caller closes the optimiser). */
    public static TrainingStep create(TextEncoder encoder, PromptLearner learner, Recipe recipe, int totalSteps) {
        return new TrainingStep(encoder, new Losses(recipe), new PromptOptimizer(learner, OptimizerSettings.forRecipe(recipe, totalSteps)));
    }

    public PromptOptimizer optimizer() { return optimizer; }

    public Losses losses() { return losses; }

    /** Forward, backward and one optimiser step on {@code batch}; the losses are those before the update. */
    public StepResult run(TrainingBatch batch) {
        try (PointerScope scope = new PointerScope()) {
            long[] wall = new long[6], cpu = new long[6];
            mark(wall, cpu, 0);
            Inputs in = inputs(batch);
            mark(wall, cpu, 1);
            Tensor text = encoder.encodeNormalized(optimizer.learner());                        // [2, E]
            mark(wall, cpu, 2);
            Losses.Evaluation ev = losses.compute(text, in.image(), in.patches(), in.labels(), in.masks());
            mark(wall, cpu, 3);
            optimizer.backward(ev.total());
            mark(wall, cpu, 4);
            PromptOptimizer.StepStats stats = optimizer.applyStep();
            mark(wall, cpu, 5);
            return new StepResult(stats.step(), ev.terms(), stats.learningRate(), stats.gradNorm(), stats.clipped(),
                    phases(wall), phases(cpu));
        }
    }

    private static void mark(long[] wall, long[] cpu, int i) {
        wall[i] = System.nanoTime();
        cpu[i] = StepTimings.processCpuNanos();
    }

    /** The five phases between six marks, in seconds. */
    private static StepTimings phases(long[] n) {
        return new StepTimings((n[1] - n[0]) / 1e9, (n[2] - n[1]) / 1e9, (n[3] - n[2]) / 1e9, (n[4] - n[3]) / 1e9, (n[5] - n[4]) / 1e9);
    }

    /**
     * Forward and backward only: returns the loss terms and copies of the gradients, and leaves the gradients on the
     * parameters, so that {@link PromptOptimizer#applyStep()} may follow (which then equals {@link #run}).
     */
    public Gradients gradients(TrainingBatch batch) {
        try (PointerScope scope = new PointerScope()) {
            Losses.Evaluation ev = forward(batch);
            optimizer.backward(ev.total());
            return new Gradients(ev.terms(), optimizer.gradients());
        }
    }

    /** The loss terms at the current parameters, without autograd and without any update. */
    public LossTerms evaluate(TrainingBatch batch) {
        try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
            return forward(batch).terms();
        }
    }

    /** Text features and losses; all tensors belong to the caller's PointerScope. */
    private Losses.Evaluation forward(TrainingBatch batch) {
        Inputs in = inputs(batch);
        Tensor text = encoder.encodeNormalized(optimizer.learner());                            // [2, E]
        return losses.compute(text, in.image(), in.patches(), in.labels(), in.masks());
    }

    /** The batch as libtorch tensors (constants), belonging to the caller's PointerScope. */
    private record Inputs(Tensor image, Tensor patches, Tensor labels, Tensor masks) {}

    private static Inputs inputs(TrainingBatch batch) {
        return new Inputs(TorchTensors.fromTensor(batch.imageFeatures()),                      // [B, E]
                TorchTensors.fromTensor(batch.patchFeatures()),                                 // [K, B, T, E]
                TorchTensors.fromLongs(batch.labels(), batch.size()),                           // [B]
                TorchTensors.fromTensor(batch.masks()));                                        // [B, S, S]
    }
}
