package dev.anomalyedge.training.torch;

import dev.anomalyedge.tensor.Tensor;
import dev.anomalyedge.testing.Golden;
import dev.anomalyedge.text.PromptLearner;
import dev.anomalyedge.text.TextEncoder;
import dev.anomalyedge.torch.TorchRuntime;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The mission recipe against the official one, training progress on a fixed batch, and native-memory hygiene. */
class RecipeTrainingTest {
    @BeforeAll
    static void oneThread() {
        TorchRuntime.setThreads(1);
    }

    private static final String CASE1 = "case1_p14_s112_taps4";

    static Stream<String> cases() {
        return Golden.cases();
    }

    private static TrainingStep.Gradients gradients(TrainCase c, Recipe recipe) {
        try (PromptLearner learner = c.newLearner(); TextEncoder encoder = c.newEncoder();
             PromptOptimizer opt = new PromptOptimizer(learner, OptimizerSettings.forRecipe(recipe, 10))) {
            return new TrainingStep(encoder, new Losses(recipe), opt).gradients(c.batch());
        }
    }

    @ParameterizedTest
    @MethodSource("cases")
    void missionRecipeIsFiniteDiffersAndAddsUp(String caseName) {
        TrainCase c = TrainCase.load(caseName);
        TrainingStep.Gradients official = gradients(c, Recipe.OFFICIAL);
        TrainingStep.Gradients mission = gradients(c, Recipe.MISSION);
        LossTerms o = official.losses(), m = mission.losses();
        assertTrue(m.allFinite(), "finite MISSION terms: " + m.summary());
        assertEquals(Recipe.MISSION, m.recipe());
        assertNotEquals(o.total(), m.total(), "MISSION total differs from OFFICIAL");
        assertNotEquals(o.imageLoss(), m.imageLoss(), "focal image term instead of cross-entropy");
        for (Map.Entry<String, Tensor> g : mission.byParameter().entrySet()) {
            double sq = 0;
            for (float v : g.getValue().floats()) {
                assertTrue(Float.isFinite(v), g.getKey() + " gradient is finite");
                sq += (double) v * v;
            }
            assertTrue(sq > 0, g.getKey() + " gradient is non-zero");
        }

        // same maps, so the same dice terms; every pixel's focal weight (0.25 or 0.75) is below 1
        int k = o.taps();
        double sum = 0;
        for (int i = 0; i < k; i++) {
            assertEquals(o.diceAbnormal()[i], m.diceAbnormal()[i], 1e-6 * o.diceAbnormal()[i]);
            assertEquals(o.diceNormal()[i], m.diceNormal()[i], 1e-6 * o.diceNormal()[i]);
            assertTrue(m.focal()[i] < o.focal()[i], "alpha-weighted focal is smaller at tap " + i);
            assertTrue(m.focal()[i] > 0.25 * o.focal()[i], "and at least a quarter of it at tap " + i);
            sum += m.focal()[i] + m.diceAbnormal()[i] + m.diceNormal()[i];
        }
        assertEquals(sum / k, m.local(), 1e-6 * m.local(), "MISSION averages the taps");
        assertEquals(Losses.LAM * m.local(), m.localLoss(), 1e-6 * m.localLoss());

        // the image terms, recomputed here from the logits: binary focal (alpha 0.25 on normal, 0.75 on abnormal)
        // on p_a = softmax(logits)_a, and the margin loss on cos = logits·0.07
        float[] logits = m.imageLogits();
        long[] labels = c.batch().labels();
        double focal = 0, margin = 0, s = 1e-5;
        for (int b = 0; b < labels.length; b++) {
            double ln = logits[2 * b], la = logits[2 * b + 1];
            double pa = 1 / (1 + Math.exp(ln - la)), pn = 1 - pa;
            int y = (int) labels[b];
            double py = y == 1 ? pa : pn, pOther = y == 1 ? pn : pa;
            double pt = (1 - s) * py + s * pOther + s;
            focal += -(y == 1 ? 0.75 : 0.25) * (1 - pt) * (1 - pt) * Math.log(pt);
            double gap = (la - ln) * dev.anomalyedge.model.AnomalyClipSettings.TEMPERATURE * (y == 1 ? 1 : -1);
            margin += Math.max(0, Losses.MARGIN - gap);
        }
        focal /= labels.length;
        margin /= labels.length;
        assertEquals(focal, m.imageLoss(), 1e-5 * focal + 1e-7, "image focal");
        assertEquals(margin, m.marginLoss(), 1e-5, "margin loss");
        double total = m.localLoss() + m.imageLoss() + Losses.MARGIN_WEIGHT * m.marginLoss();
        assertEquals(total, m.total(), 1e-6 * total, "total = 4·mean_k local + image focal + 0.1·margin");
        System.out.printf("%s OFFICIAL %s%n%s MISSION  %s%n", caseName, o.summary(), caseName, m.summary());
    }

    @ParameterizedTest
    @EnumSource(Recipe.class)
    void repeatedStepsDecreaseTheLossOnAFixedBatch(Recipe recipe) {
        TrainCase c = TrainCase.load(CASE1);
        int steps = 6;
        try (PromptLearner learner = c.newLearner(); TextEncoder encoder = c.newEncoder()) {
            TrainingStep step = TrainingStep.create(encoder, learner, recipe, steps);
            try (PromptOptimizer ignored = step.optimizer()) {
                double before = step.evaluate(c.batch()).total();
                double previous = Double.POSITIVE_INFINITY;
                StringBuilder trace = new StringBuilder();
                for (int i = 0; i < steps; i++) {
                    StepResult r = step.run(c.batch());
                    double loss = r.losses().total();
                    trace.append(String.format(" %.5f", loss));
                    assertTrue(loss < previous, recipe + ": loss went up at step " + (i + 1) + ":" + trace);
                    if (i == 0) assertEquals(before, loss, 1e-6 * before, "a step reports the loss before its update");
                    assertEquals(step.optimizer().settings().learningRate(i), r.learningRate());
                    previous = loss;
                }
                double after = step.evaluate(c.batch()).total();
                trace.append(String.format(" -> %.5f", after));
                System.out.println(recipe + " loss on a fixed batch:" + trace);
                assertTrue(after < previous && after < before, recipe + ": loss did not decrease:" + trace);
            }
        }
    }

    @Test
    void repeatedStepsReleaseEveryNativeObject() {
        TrainCase c = TrainCase.load(CASE1);
        try (PromptLearner learner = c.newLearner(); TextEncoder encoder = c.newEncoder()) {
            TrainingStep step = TrainingStep.create(encoder, learner, Recipe.MISSION, 10);
            try (PromptOptimizer ignored = step.optimizer()) {
                Runnable all = () -> {
                    step.run(c.batch());
                    step.gradients(c.batch());
                    step.optimizer().applyStep();
                    step.evaluate(c.batch());
                };
                all.run(); // warm-up: lazily created natives count towards the baseline
                long before = Pointer.totalCount();
                for (int i = 0; i < 2; i++) all.run();
                assertEquals(before, Pointer.totalCount(), "native objects alive before and after 2 more rounds");
            }
        }
    }
}
