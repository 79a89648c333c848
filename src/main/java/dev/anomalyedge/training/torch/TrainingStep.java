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
            Losses.Evaluation ev = forward(batch);
            PromptOptimizer.StepStats stats = optimizer.step(ev.total());
            return new StepResult(stats.step(), ev.terms(), stats.learningRate(), stats.gradNorm(), stats.clipped());
        }
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
        Tensor text = encoder.encodeNormalized(optimizer.learner());                            // [2, E]
        Tensor image = TorchTensors.fromTensor(batch.imageFeatures());                          // [B, E]
        Tensor patches = TorchTensors.fromTensor(batch.patchFeatures());                        // [K, B, T, E]
        Tensor labels = TorchTensors.fromLongs(batch.labels(), batch.size());                   // [B]
        Tensor masks = TorchTensors.fromTensor(batch.masks());                                  // [B, S, S]
        return losses.compute(text, image, patches, labels, masks);
    }
}
