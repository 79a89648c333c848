package dev.anomalyedge.training.torch;

import dev.anomalyedge.text.PromptLearner;
import dev.anomalyedge.torch.TorchRuntime;
import dev.anomalyedge.torch.TorchTensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The optimiser against Adam written out in double precision, on the loss L = Σ_p c_p Σ p² (gradient 2 c_p p, so
 * it changes from step to step and the betas matter), with and without clipping and the cosine schedule.
 */
class PromptOptimizerTest {
    @BeforeAll
    static void oneThread() {
        TorchRuntime.setThreads(1);
    }

    private static final String CASE1 = "case1_p14_s112_taps4";

    /** The reference Adam state over all parameters, flattened in trainableParameters() order. */
    private static final class ReferenceAdam {
        final double[] p, m, v, c;
        final OptimizerSettings s;
        int t;

        ReferenceAdam(double[] p, double[] c, OptimizerSettings s) {
            this.p = p;
            this.c = c;
            this.s = s;
            this.m = new double[p.length];
            this.v = new double[p.length];
        }

        /** One step; returns the gradient norm before clipping. */
        double step() {
            double[] g = new double[p.length];
            double sq = 0;
            for (int i = 0; i < p.length; i++) {
                g[i] = 2 * c[i] * p[i];
                sq += g[i] * g[i];
            }
            double norm = Math.sqrt(sq);
            if (s.clips()) {
                double coef = Math.min(1, s.maxGradNorm() / (norm + 1e-6));
                for (int i = 0; i < g.length; i++) g[i] *= coef;
            }
            double lr = s.learningRate(t);
            t++;
            double bc1 = 1 - Math.pow(s.beta1(), t), bc2 = 1 - Math.pow(s.beta2(), t);
            for (int i = 0; i < p.length; i++) {
                m[i] = s.beta1() * m[i] + (1 - s.beta1()) * g[i];
                v[i] = s.beta2() * v[i] + (1 - s.beta2()) * g[i] * g[i];
                p[i] -= lr / bc1 * m[i] / (Math.sqrt(v[i]) / Math.sqrt(bc2) + s.eps());
            }
            return norm;
        }
    }

    private static double[] flatParameters(PromptLearner learner, List<Double> coefficients, double[][] perElementCoef) {
        List<Double> values = new ArrayList<>();
        List<Double> coefs = new ArrayList<>();
        int k = 0;
        for (Tensor t : learner.trainableParameters().values()) {
            for (float f : TorchTensors.toFloats(t)) {
                values.add((double) f);
                coefs.add(coefficients.get(k));
            }
            k++;
        }
        perElementCoef[0] = coefs.stream().mapToDouble(Double::doubleValue).toArray();
        return values.stream().mapToDouble(Double::doubleValue).toArray();
    }

    private static Tensor quadraticLoss(PromptLearner learner, List<Double> coefficients) {
        Tensor loss = null;
        int k = 0;
        for (Tensor p : learner.trainableParameters().values()) {
            Tensor term = p.mul(p).mul(new Scalar(coefficients.get(k++))).sum();
            loss = loss == null ? term : loss.add(term);
        }
        return loss;
    }

    private static void runAgainstReference(OptimizerSettings settings, double coefficientScale, int steps, boolean expectClipping) {
        TrainCase c = TrainCase.load(CASE1);
        try (PromptLearner learner = c.newLearner(); PromptOptimizer opt = new PromptOptimizer(learner, settings)) {
            List<Double> coefs = new ArrayList<>();
            for (int k = 0; k < learner.trainableParameters().size(); k++) coefs.add(coefficientScale * (k + 1));
            double[][] elementCoef = new double[1][];
            ReferenceAdam ref = new ReferenceAdam(flatParameters(learner, coefs, elementCoef), elementCoef[0], settings);
            for (int s = 0; s < steps; s++) {
                double expectedNorm = ref.step();
                assertEquals(settings.learningRate(s), opt.nextLearningRate());
                PromptOptimizer.StepStats stats;
                try (PointerScope scope = new PointerScope()) {
                    stats = opt.step(quadraticLoss(learner, coefs));
                }
                assertEquals(s + 1, stats.step());
                assertEquals(s + 1, opt.stepsTaken());
                assertEquals(settings.learningRate(s), stats.learningRate());
                assertEquals(expectedNorm, stats.gradNorm(), 1e-5 * expectedNorm, "gradient norm before clipping");
                assertEquals(expectClipping, stats.clipped(), "clipped");
                if (expectClipping) {
                    double sq = 0;
                    for (dev.anomalyedge.tensor.Tensor g : opt.gradients().values()) for (float x : g.floats()) sq += (double) x * x;
                    assertEquals(settings.maxGradNorm(), Math.sqrt(sq), 1e-5, "gradients after clipping have the maximum norm");
                }
                double[] actual = flatParameters(learner, coefs, new double[1][]);
                double maxDiff = 0;
                for (int i = 0; i < actual.length; i++) maxDiff = Math.max(maxDiff, Math.abs(actual[i] - ref.p[i]));
                assertTrue(maxDiff < 1e-6, "step " + (s + 1) + ": parameters differ from the reference Adam by " + maxDiff);
            }
        }
    }

    @Test
    void officialAdamMatchesTheReferenceUpdateOverSeveralSteps() {
        runAgainstReference(OptimizerSettings.official(), 1.0, 4, false);
    }

    @Test
    void betasAreAppliedInTheirOrder() {
        // with β1 and β2 swapped the second and later steps differ clearly from the reference
        OptimizerSettings swapped = new OptimizerSettings(1e-3, 0.999, 0.5, 1e-8, 0, 0, 0);
        runAgainstReference(swapped, 1.0, 3, false);
    }

    @Test
    void missionClipsTheGradientNormAndAnnealsTheLearningRate() {
        runAgainstReference(OptimizerSettings.mission(4), 50.0, 4, true);
    }

    @Test
    void cosineScheduleGoesFromLrToMinLr() {
        OptimizerSettings s = OptimizerSettings.mission(4);
        assertEquals(1e-3, s.learningRate(0), 1e-15);
        assertEquals(1e-3 * (1 + Math.cos(Math.PI / 4)) / 2, s.learningRate(1), 1e-15);
        assertEquals(5e-4, s.learningRate(2), 1e-15);
        assertEquals(0, s.learningRate(4), 1e-15);
        assertEquals(0, s.learningRate(9), 1e-15, "stays at the minimum after T steps");
        OptimizerSettings official = OptimizerSettings.official();
        assertEquals(1e-3, official.learningRate(1000));
        assertFalse(official.clips());
        assertEquals(official, OptimizerSettings.forRecipe(Recipe.OFFICIAL, 7));
        assertEquals(OptimizerSettings.mission(7), OptimizerSettings.forRecipe(Recipe.MISSION, 7));
    }

    @Test
    void invalidSettingsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new OptimizerSettings(0, 0.5, 0.999, 1e-8, 0, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new OptimizerSettings(1e-3, 1.0, 0.999, 1e-8, 0, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new OptimizerSettings(1e-3, 0.5, 0.999, 0, 0, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new OptimizerSettings(1e-3, 0.5, 0.999, 1e-8, -1, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new OptimizerSettings(1e-3, 0.5, 0.999, 1e-8, 0, -1, 0));
        assertThrows(IllegalArgumentException.class, () -> new OptimizerSettings(1e-3, 0.5, 0.999, 1e-8, 0, 10, 2e-3));
        assertThrows(IllegalArgumentException.class, () -> OptimizerSettings.mission(0));
    }

    @Test
    void closedOptimiserIsRefusedAndLeavesTheLearnerUsable() {
        TrainCase c = TrainCase.load(CASE1);
        try (PromptLearner learner = c.newLearner()) {
            PromptOptimizer opt = new PromptOptimizer(learner, OptimizerSettings.official());
            try (PointerScope scope = new PointerScope()) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> opt.backward(learner.trainableParameters().get("ctx_pos").mul(new Scalar(2.0))));
                assertTrue(e.getMessage().contains("scalar"), e.getMessage());
            }
            opt.close();
            opt.close();
            assertThrows(IllegalStateException.class, opt::applyStep);
            assertThrows(IllegalStateException.class, opt::gradients);
            Map<String, dev.anomalyedge.tensor.Tensor> state = learner.stateDict();
            assertEquals(c.promptLearner().get("ctx_pos").floats()[0], state.get("ctx_pos").floats()[0]);
        }
    }
}
