package dev.anomalyedge.training.torch;

import dev.anomalyedge.torch.TorchRuntime;
import dev.anomalyedge.torch.TorchTensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The loss formulas on small hand-checked inputs, and the errors for malformed inputs. */
class LossesTest {
    @BeforeAll
    static void oneThread() {
        TorchRuntime.setThreads(1);
    }

    private static final float[][] PROBS = {{0.9f, 0.1f}, {0.3f, 0.7f}, {0.6f, 0.4f}};  // rows: (normal, abnormal)
    private static final long[] TARGETS = {0, 1, 1};

    /** loss.py FocalLoss written out per sample in double: −α_y (1 − pt)² log pt, pt = (1−s) p_y + s p_{1−y} + s. */
    private static double focalByHand(double alphaNormal, double alphaAbnormal) {
        double s = 1e-5, sum = 0;
        for (int i = 0; i < PROBS.length; i++) {
            int y = (int) TARGETS[i];
            double pt = (1 - s) * PROBS[i][y] + s * PROBS[i][1 - y] + s;
            double alpha = y == 0 ? alphaNormal : alphaAbnormal;
            sum += -alpha * (1 - pt) * (1 - pt) * Math.log(pt);
        }
        return sum / PROBS.length;
    }

    private static float[] flat(float[][] rows) {
        float[] out = new float[rows.length * rows[0].length];
        for (int i = 0; i < rows.length; i++) System.arraycopy(rows[i], 0, out, i * rows[i].length, rows[i].length);
        return out;
    }

    private static double scalar(Tensor t) {
        return TorchTensors.toFloats(t)[0];
    }

    @Test
    void focalFollowsLossPyWithAndWithoutAlpha() {
        try (PointerScope scope = new PointerScope()) {
            Tensor probs = TorchTensors.fromFloats(flat(PROBS), 3, 2);
            Tensor targets = TorchTensors.fromLongs(TARGETS, 3);
            assertEquals(focalByHand(1, 1), scalar(Losses.focal(probs, targets, Double.NaN)), 1e-7);
            // a float alpha as loss.py reads it: α for class 0 (normal), 1 − α for class 1 (abnormal)
            assertEquals(focalByHand(0.25, 0.75), scalar(Losses.focal(probs, targets, 0.25)), 1e-7);
            // float 0/1 targets (masks) give the same
            Tensor floatTargets = TorchTensors.fromFloats(new float[] {0, 1, 1}, 3);
            assertEquals(focalByHand(1, 1), scalar(Losses.focal(probs, floatTargets, Double.NaN)), 1e-7);
        }
    }

    @Test
    void diceIsOneMinusTheMeanPerImageCoefficient() {
        // two 2x2 "images"
        float[] x = {0.2f, 0.8f, 0.5f, 0.1f, /* image 1 */ 0.9f, 0.9f, 0.0f, 0.3f};
        float[] y = {0, 1, 1, 0, /* image 1 */ 0, 0, 0, 0};
        double d0 = (2 * (0.8 + 0.5) + 1) / ((0.2 + 0.8 + 0.5 + 0.1) + 2 + 1);
        double d1 = (2 * 0.0 + 1) / ((0.9 + 0.9 + 0.0 + 0.3) + 0 + 1);
        try (PointerScope scope = new PointerScope()) {
            double dice = scalar(Losses.dice(TorchTensors.fromFloats(x, 2, 2, 2), TorchTensors.fromFloats(y, 2, 2, 2)));
            assertEquals(1 - (d0 + d1) / 2, dice, 1e-7);
        }
    }

    @Test
    void marginPushesTheCorrectPromptAheadByTheMargin() {
        // rows: (cos_n, cos_a); image 0 normal and already ahead by 0.7 > 0.5, image 1 anomalous, ahead by only 0.2
        // image 2 anomalous but the normal prompt wins by 0.4
        float[] cos = {0.9f, 0.2f, 0.1f, 0.3f, 0.6f, 0.2f};
        long[] labels = {0, 1, 1};
        double expected = (0 + (0.5 - 0.2) + (0.5 + 0.4)) / 3;
        try (PointerScope scope = new PointerScope()) {
            double margin = scalar(Losses.marginLoss(TorchTensors.fromFloats(cos, 3, 2), TorchTensors.fromLongs(labels, 3)));
            assertEquals(expected, margin, 1e-6);
        }
    }

    @Test
    void malformedInputsAreRefusedWithTheirShapes() {
        Losses losses = new Losses(Recipe.OFFICIAL);
        try (PointerScope scope = new PointerScope()) {
            Tensor text = TorchTensors.fromFloats(new float[2 * 4], 2, 4);
            Tensor image = TorchTensors.fromFloats(new float[3 * 4], 3, 4);
            Tensor patches = TorchTensors.fromFloats(new float[1 * 3 * 5 * 4], 1, 3, 5, 4);     // T = 5 = 2·2 + 1
            Tensor labels = TorchTensors.fromLongs(new long[] {0, 1, 0}, 3);
            Tensor masks = TorchTensors.fromFloats(new float[3 * 8 * 8], 3, 8, 8);

            Tensor intLabels = TorchTensors.fromLongs(new long[] {0, 1, 0}, 3).to(org.bytedeco.pytorch.global.torch.ScalarType.Int);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> losses.compute(text, image, patches, intLabels, masks));
            assertTrue(e.getMessage().contains("int64") && e.getMessage().contains("Int"), e.getMessage());

            Tensor badTokens = TorchTensors.fromFloats(new float[1 * 3 * 6 * 4], 1, 3, 6, 4);  // T = 6 is no G·G + 1
            e = assertThrows(IllegalArgumentException.class, () -> losses.compute(text, image, badTokens, labels, masks));
            assertTrue(e.getMessage().contains("G·G+1") && e.getMessage().contains("[1, 3, 6, 4]"), e.getMessage());

            Tensor wrongE = TorchTensors.fromFloats(new float[3 * 5], 3, 5);
            e = assertThrows(IllegalArgumentException.class, () -> losses.compute(text, wrongE, patches, labels, masks));
            assertTrue(e.getMessage().contains("E=4") && e.getMessage().contains("[3, 5]"), e.getMessage());

            Tensor rectMasks = TorchTensors.fromFloats(new float[3 * 8 * 6], 3, 8, 6);
            e = assertThrows(IllegalArgumentException.class, () -> losses.compute(text, image, patches, labels, rectMasks));
            assertTrue(e.getMessage().contains("[3, 8, 6]"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> new Losses(null));
        IllegalStateException outside = assertThrows(IllegalStateException.class,
                () -> losses.compute(null, null, null, null, null));
        assertTrue(outside.getMessage().contains("PointerScope"), outside.getMessage());
    }
}
