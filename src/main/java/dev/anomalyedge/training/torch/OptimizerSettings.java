package dev.anomalyedge.training.torch;

/**
 * Adam settings and the learning-rate schedule of the prompt optimiser.
 *
 * <p>Learning rate of step i (0-based): constant {@code lr} when {@code cosineSteps} is 0; otherwise cosine annealing
 * (as PyTorch's {@code CosineAnnealingLR} with T_max = cosineSteps, stepped once per optimiser step)
 * {@code minLr + (lr − minLr)·(1 + cos(π·min(i, T)/T))/2}, which stays at {@code minLr} after T steps.
 *
 * @param lr          base learning rate (1e-3)
 * @param beta1       Adam β1 (0.5 in AnomalyCLIP, not PyTorch's default 0.9)
 * @param beta2       Adam β2 (0.999)
 * @param eps         Adam ε (1e-8)
 * @param maxGradNorm clip the global L2 norm of all gradients to this value before the step; 0 = no clipping
 * @param cosineSteps T of the cosine schedule (total optimiser steps of the run); 0 = constant learning rate
 * @param minLr       learning rate at the end of the cosine schedule
 */
public record OptimizerSettings(double lr, double beta1, double beta2, double eps, double maxGradNorm, int cosineSteps,
                                double minLr) {

    public OptimizerSettings {
        if (!(lr > 0) || !Double.isFinite(lr)) throw new IllegalArgumentException("learning rate must be > 0, got " + lr);
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException("Adam betas must be in [0, 1), got (" + beta1 + ", " + beta2 + ")");
        }
        if (!(eps > 0)) throw new IllegalArgumentException("Adam eps must be > 0, got " + eps);
        if (!(maxGradNorm >= 0) || Double.isInfinite(maxGradNorm)) {
            throw new IllegalArgumentException("max gradient norm must be >= 0 (0 = off), got " + maxGradNorm);
        }
        if (cosineSteps < 0) throw new IllegalArgumentException("cosine steps must be >= 0 (0 = constant lr), got " + cosineSteps);
        if (!(minLr >= 0 && minLr <= lr)) throw new IllegalArgumentException("minimum lr must be in [0, lr=" + lr + "], got " + minLr);
    }

    /** train.py: Adam(lr 1e-3, betas (0.5, 0.999), eps 1e-8, no weight decay), constant lr, no clipping. */
    public static OptimizerSettings official() {
        return new OptimizerSettings(1e-3, 0.5, 0.999, 1e-8, 0, 0, 0);
    }

    /** The mission recipe: the official Adam plus gradient clipping at 1.0 and cosine annealing to 0 over {@code totalSteps}. */
    public static OptimizerSettings mission(int totalSteps) {
        if (totalSteps < 1) throw new IllegalArgumentException("the cosine schedule needs the total number of steps (>= 1), got " + totalSteps);
        return new OptimizerSettings(1e-3, 0.5, 0.999, 1e-8, 1.0, totalSteps, 0);
    }

    /** {@link #official()} or {@link #mission(int)}; {@code totalSteps} is used by MISSION only. */
    public static OptimizerSettings forRecipe(Recipe recipe, int totalSteps) {
        return recipe == Recipe.MISSION ? mission(totalSteps) : official();
    }

    public boolean clips() { return maxGradNorm > 0; }

    /** The learning rate of optimiser step {@code step} (0-based). */
    public double learningRate(int step) {
        if (step < 0) throw new IllegalArgumentException("step must be >= 0, got " + step);
        if (cosineSteps == 0) return lr;
        double progress = Math.min(step, cosineSteps) / (double) cosineSteps;
        return minLr + (lr - minLr) * (1 + Math.cos(Math.PI * progress)) / 2;
    }
}
