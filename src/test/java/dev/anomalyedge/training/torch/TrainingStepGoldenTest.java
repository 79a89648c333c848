package dev.anomalyedge.training.torch;

import com.fasterxml.jackson.databind.JsonNode;
import dev.anomalyedge.tensor.Tensor;
import dev.anomalyedge.testing.Golden;
import dev.anomalyedge.text.PromptLearner;
import dev.anomalyedge.text.TextEncoder;
import dev.anomalyedge.torch.TorchRuntime;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One OFFICIAL training step on all images of each golden case (one batch, file order) against {@code train/}:
 * every loss term (1e-5 relative), the image logits (1e-4), the gradients (ctx 1e-5 × max|g|, deep prompts
 * 2e-3 × max|g| because of their fp16 rounding) and the parameters after the Adam step (1e-6).
 */
class TrainingStepGoldenTest {
    /** The build machine's few cores are shared: keep libtorch's OpenMP pool from spin-waiting (see TorchRuntime). */
    @BeforeAll
    static void oneThread() {
        TorchRuntime.setThreads(1);
    }

    static Stream<String> cases() {
        return Golden.cases();
    }

    @ParameterizedTest
    @MethodSource("cases")
    void oneStepMatchesTheReference(String caseName) {
        TrainCase c = TrainCase.load(caseName);
        JsonNode ref = c.losses();
        long[] labels = c.batch().labels();
        for (int i = 0; i < labels.length; i++) {
            assertEquals(ref.get("labels").get(i).asLong(), labels[i], "label " + i);
            assertEquals(i, ref.get("batch_order").get(i).asInt(), "the reference batch is in file order");
        }
        try (PromptLearner learner = c.newLearner(); TextEncoder encoder = c.newEncoder();
             PromptOptimizer optimizer = new PromptOptimizer(learner, OptimizerSettings.official())) {
            TrainingStep step = new TrainingStep(encoder, new Losses(Recipe.OFFICIAL), optimizer);

            TrainingStep.Gradients g = step.gradients(c.batch());
            LossTerms t = g.losses();
            List<String> report = new ArrayList<>();
            double worstRel = 0;
            worstRel = Math.max(worstRel, relative(report, "image_loss", ref.get("image_loss").asDouble(), t.imageLoss()));
            int taps = ref.get("focal").size();
            assertEquals(taps, t.taps(), "taps");
            for (int k = 0; k < taps; k++) {
                worstRel = Math.max(worstRel, relative(report, "focal[" + k + "]", ref.get("focal").get(k).asDouble(), t.focal()[k]));
                worstRel = Math.max(worstRel, relative(report, "dice_abnormal[" + k + "]", ref.get("dice_abnormal").get(k).asDouble(), t.diceAbnormal()[k]));
                worstRel = Math.max(worstRel, relative(report, "dice_normal[" + k + "]", ref.get("dice_normal").get(k).asDouble(), t.diceNormal()[k]));
            }
            worstRel = Math.max(worstRel, relative(report, "local_sum", ref.get("local_sum").asDouble(), t.local()));
            assertEquals(ref.get("lam").asDouble(), t.lam(), "lam");
            worstRel = Math.max(worstRel, relative(report, "local_loss", ref.get("local_loss").asDouble(), t.localLoss()));
            worstRel = Math.max(worstRel, relative(report, "total", ref.get("total").asDouble(), t.total()));
            assertEquals(0.0, t.marginLoss(), "no margin loss in the official recipe");
            System.out.printf("%s loss terms: max relative diff %.3g (tol 1e-5)%n", caseName, worstRel);
            assertTrue(report.isEmpty(), caseName + " loss terms off by more than 1e-5 relative:\n" + String.join("\n", report));

            Tensor logits = c.golden("train/image_logits.npy");
            check(caseName + " image_logits", logits.floats(), t.imageLogits(), 1e-4);

            // gradients: exactly the trainable parameters, none of the reference's params_without_grad
            Map<String, Tensor> grads = g.byParameter();
            assertEquals(learner.trainableParameters().keySet(), grads.keySet(), "every trainable parameter has a gradient");
            for (JsonNode name : ref.get("params_without_grad")) assertFalse(grads.containsKey(name.asText()), name.asText());
            for (Map.Entry<String, Tensor> e : grads.entrySet()) {
                Tensor expected = c.golden("train/grads/" + e.getKey() + ".npy");
                assertArrayEquals(expected.shape(), e.getValue().shape(), e.getKey() + " gradient shape");
                double scale = e.getKey().startsWith("ctx_") ? 1e-5 : 2e-3;
                check(caseName + " grad " + e.getKey(), expected.floats(), e.getValue().floats(), scale * maxAbs(expected.floats()));
            }

            PromptOptimizer.StepStats stats = optimizer.applyStep();
            assertEquals(1, stats.step());
            assertEquals(1e-3, stats.learningRate());
            assertFalse(stats.clipped());
            assertAfterStep(c, learner);
        }
    }

    /** {@link TrainingStep#run} equals gradients() followed by applyStep(), and reports the same losses. */
    @ParameterizedTest
    @MethodSource("cases")
    void runIsGradientsPlusStep(String caseName) {
        TrainCase c = TrainCase.load(caseName);
        try (PromptLearner learner = c.newLearner(); TextEncoder encoder = c.newEncoder()) {
            TrainingStep step = TrainingStep.create(encoder, learner, Recipe.OFFICIAL, 1);
            try (PromptOptimizer ignored = step.optimizer()) {
                StepResult r = step.run(c.batch());
                assertEquals(1, r.step());
                assertEquals(c.losses().get("total").asDouble(), r.losses().total(), 1e-5 * r.losses().total());
                assertTrue(r.gradNorm() > 0 && Double.isFinite(r.gradNorm()), "gradient norm " + r.gradNorm());
                assertAfterStep(c, learner);
            }
        }
    }

    private static void assertAfterStep(TrainCase c, PromptLearner learner) {
        Map<String, Tensor> state = learner.stateDict();
        for (String name : learner.trainableParameters().keySet()) {
            Tensor expected = c.golden("train/after_adam_step/" + name + ".npy");
            Tensor actual = state.get(name);
            assertArrayEquals(expected.shape(), actual.shape(), name + " shape");
            check(c.name() + " after_adam_step " + name, expected.floats(), actual.floats(), 1e-6);
        }
    }

    private static double relative(List<String> report, String what, double expected, double actual) {
        double rel = Math.abs(actual - expected) / Math.abs(expected);
        if (!(rel <= 1e-5)) report.add(what + ": expected " + expected + " got " + actual + " (relative " + rel + ")");
        return rel;
    }

    private static void check(String what, float[] expected, float[] actual, double atol) {
        Golden.assertClose(what, expected, actual, atol, 0);
        double d = 0;
        for (int i = 0; i < expected.length; i++) d = Math.max(d, Math.abs((double) expected[i] - actual[i]));
        System.out.printf("%-60s max|diff| %.3g (tol %.3g)%n", what, d, atol);
    }

    private static double maxAbs(float[] v) {
        double m = 0;
        for (float x : v) m = Math.max(m, Math.abs(x));
        return m;
    }
}
