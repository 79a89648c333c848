package dev.anomalyedge.training.torch;

/**
 * The outcome of one training step.
 *
 * @param step         optimiser steps taken so far (1 after the first step)
 * @param losses       every loss term, evaluated before the update
 * @param learningRate the learning rate used by this step
 * @param gradNorm     global L2 norm of the gradients before any clipping
 * @param clipped      whether the gradients were scaled down to the maximum norm
 * @param timings      where the step's wall time went
 * @param cpu          where the step's CPU time went: the process's CPU seconds per phase (all threads: libtorch's
 *                     workers included; on a shared machine steadier than wall time)
 */
public record StepResult(int step, LossTerms losses, double learningRate, double gradNorm, boolean clipped, StepTimings timings,
                         StepTimings cpu) {}
