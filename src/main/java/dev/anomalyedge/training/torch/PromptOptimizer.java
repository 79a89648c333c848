package dev.anomalyedge.training.torch;

import dev.anomalyedge.text.PromptLearner;
import dev.anomalyedge.torch.TorchRuntime;
import dev.anomalyedge.torch.TorchTensors;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Adam;
import org.bytedeco.pytorch.AdamOptions;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * libtorch Adam over a prompt learner's trainable parameters ({@link PromptLearner#trainableParameters()}: ctx_pos,
 * ctx_neg, compound_prompts_text.j), updated in place. One optimiser step is
 * <pre>
 * zero_grad;  loss.backward();  [clip the global gradient norm];  lr ← schedule(step);  Adam step
 * </pre>
 * Adam (libtorch's, the same update as PyTorch's): m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²;
 * p ← p − lr/(1−β1ᵗ) · m / (√v/√(1−β2ᵗ) + ε). Parameters without a gradient are skipped. Nothing here is random, so
 * there is no seed: a run is reproducible given the learner's initial values and the batch order.
 *
 * <p>The optimiser owns its native Adam state and frees it in {@link #close()}; it does not own the learner, which
 * must stay open while the optimiser is used. Not thread-safe; libtorch autograd state is per thread.
 */
public final class PromptOptimizer implements AutoCloseable {
    /** What one step did. {@code step} counts steps taken so far (1 after the first). */
    public record StepStats(int step, double learningRate, double gradNorm, boolean clipped) {}

    private final PromptLearner learner;
    private final OptimizerSettings settings;
    private final Map<String, Tensor> parameters;   // owned by the learner
    private final TensorVector parameterVector;     // owned: handles to the same tensors
    private final Adam adam;                        // owned
    private int steps;
    private boolean closed;

    public PromptOptimizer(PromptLearner learner, OptimizerSettings settings) {
        if (settings == null) throw new IllegalArgumentException("optimiser settings must not be null");
        TorchRuntime.ensureLoaded();
        this.learner = learner;
        this.settings = settings;
        this.parameters = new LinkedHashMap<>(learner.trainableParameters());
        TensorVector vector;
        Adam optimiser;
        try (PointerScope scope = new PointerScope()) {      // temporaries (options) die here; the two kept are retained
            vector = new TensorVector(parameters.values().toArray(new Tensor[0]));
            AdamOptions options = new AdamOptions(settings.lr());
            setBetas(options, settings.beta1(), settings.beta2());
            options.eps().put(settings.eps());
            options.weight_decay().put(0.0);
            options.amsgrad().put(false);
            optimiser = new Adam(vector, options);
            vector.retainReference();
            optimiser.retainReference();
        }
        this.parameterVector = vector;
        this.adam = optimiser;
    }

    /**
     * Writes Adam's (β1, β2). AdamOptions exposes them as a pointer to a C++ {@code std::tuple<double, double>}, whose
     * element order in memory is up to the C++ library (libstdc++ stores it reversed), so the slot of β1 is found from
     * the documented defaults (0.9, 0.999) rather than assumed.
     */
    private static void setBetas(AdamOptions options, double beta1, double beta2) {
        DoublePointer betas = options.betas();
        int beta1Slot;
        if (betas.get(0) == 0.9 && betas.get(1) == 0.999) beta1Slot = 0;
        else if (betas.get(1) == 0.9 && betas.get(0) == 0.999) beta1Slot = 1;
        else throw new IllegalStateException("unexpected libtorch AdamOptions betas layout: " + betas.get(0) + ", " + betas.get(1));
        betas.put(beta1Slot, beta1);
        betas.put(1 - beta1Slot, beta2);
    }

    public PromptLearner learner() { return learner; }

    public OptimizerSettings settings() { return settings; }

    /** Optimiser steps taken so far. */
    public int stepsTaken() { return steps; }

    /** The learning rate the next step will use. */
    public double nextLearningRate() { return settings.learningRate(steps); }

    /** Clears every parameter's gradient (sets it to none, as PyTorch's zero_grad). */
    public void zeroGrad() {
        checkOpen();
        adam.zero_grad(true);
    }

    /** zero_grad, then backward from the scalar {@code loss}: leaves fresh gradients on the parameters, no step. */
    public void backward(Tensor loss) {
        checkOpen();
        if (loss.dim() != 0) throw new IllegalArgumentException("loss must be a scalar, got shape " + java.util.Arrays.toString(loss.shape()));
        adam.zero_grad(true);
        loss.backward();
    }

    /** Copies of the current gradients by parameter name (parameters without a gradient are absent). */
    public Map<String, dev.anomalyedge.tensor.Tensor> gradients() {
        checkOpen();
        Map<String, dev.anomalyedge.tensor.Tensor> out = new LinkedHashMap<>();
        try (PointerScope scope = new PointerScope()) {
            for (Map.Entry<String, Tensor> p : parameters.entrySet()) {
                Tensor g = p.getValue().grad();
                if (g.defined()) out.put(p.getKey(), TorchTensors.toTensor(g));
            }
        }
        return out;
    }

    /**
     * Applies one update from the gradients currently on the parameters: clips their global norm if configured,
     * sets the scheduled learning rate, takes the Adam step.
     */
    public StepStats applyStep() {
        checkOpen();
        double lr = settings.learningRate(steps);
        double norm;
        boolean clipped = false;
        try (PointerScope scope = new PointerScope()) {
            if (settings.clips()) {
                norm = torch.clip_grad_norm_(parameterVector, settings.maxGradNorm());   // returns the norm before clipping
                clipped = norm > settings.maxGradNorm();
            } else {
                norm = gradientNorm();
            }
            adam.param_groups().get(0).options().set_lr(lr);
            adam.step();
        }
        steps++;
        return new StepStats(steps, lr, norm, clipped);
    }

    /** {@link #backward} then {@link #applyStep}. */
    public StepStats step(Tensor loss) {
        backward(loss);
        return applyStep();
    }

    /** Global L2 norm of all gradients, √(Σ_p ‖g_p‖²); call inside a PointerScope. */
    private double gradientNorm() {
        List<Tensor> norms = new ArrayList<>();
        for (Tensor p : parameters.values()) {
            Tensor g = p.grad();
            if (g.defined()) norms.add(torch.linalg_vector_norm(g));
        }
        if (norms.isEmpty()) return 0;
        return TorchTensors.toFloats(torch.linalg_vector_norm(torch.stack(new TensorVector(norms.toArray(new Tensor[0])))))[0];
    }

    private void checkOpen() {
        if (closed) throw new IllegalStateException("prompt optimiser is closed");
    }

    /** Frees the Adam state; idempotent. The learner's parameters are untouched. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        adam.close();
        parameterVector.close();
    }
}
