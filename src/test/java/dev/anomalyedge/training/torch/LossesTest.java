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

    /** Grids [B, G, G] in (0, 1) and 0/1 masks [B, S, S] with a square defect in image 1, from a fixed seed. */
    private static Tensor[] gridsAndMasks(int b, int g, int s) {
        java.util.Random r = new java.util.Random(7);
        float[] p = new float[b * g * g];
        for (int i = 0; i < p.length; i++) p[i] = r.nextFloat();
        float[] m = new float[b * s * s];
        for (int y = s / 4; y < s / 2; y++) for (int x = s / 3; x < s - 2; x++) m[s * s + y * s + x] = 1;
        return new Tensor[] {TorchTensors.fromFloats(p, b, g, g), TorchTensors.fromFloats(m, b, s, s)};
    }

    private static double maxAbsDiff(Tensor a, Tensor b) {
        float[] x = TorchTensors.toFloats(a), y = TorchTensors.toFloats(b);
        assertEquals(x.length, y.length);
        double d = 0;
        for (int i = 0; i < x.length; i++) d = Math.max(d, Math.abs(x[i] - y[i]));
        return d;
    }

    /** The same weights up to float rounding: libtorch's kernel rounds its source positions differently (1.7e-6 at 37 → 518). */
    @Test
    void upsamplingByMatricesEqualsLibtorchBilinear() {
        for (int[] gs : new int[][] {{37, 518}, {8, 112}, {7, 98}, {5, 5}}) {
            try (PointerScope scope = new PointerScope()) {
                Tensor[] in = gridsAndMasks(2, gs[0], gs[1]);
                Losses.PixelTargets px = Losses.PixelTargets.of(in[1], gs[0], Double.NaN);
                Tensor reference = org.bytedeco.pytorch.global.torch.upsample_bilinear2d(in[0].unsqueeze(1),
                        new long[] {gs[1], gs[1]}, false).squeeze(1);
                double d = maxAbsDiff(reference, px.upsample(in[0]));
                assertTrue(d < 5e-6, "G " + gs[0] + " -> S " + gs[1] + ": max |diff| " + d);
            }
        }
    }

    @Test
    void diceOnGridCellsEqualsDiceOnUpsampledPixels() {
        try (PointerScope scope = new PointerScope()) {
            Tensor[] in = gridsAndMasks(3, 8, 112);
            Tensor p = in[0], gt = in[1];
            Losses.PixelTargets px = Losses.PixelTargets.of(gt, 8, Double.NaN);
            Tensor u = px.upsample(p);
            Tensor normalGt = gt.neg().add(new org.bytedeco.pytorch.Scalar(1.0));
            assertEquals(scalar(Losses.dice(u, gt)), scalar(px.diceAbnormal(p)), 1e-6);
            assertEquals(scalar(Losses.dice(u, normalGt)), scalar(px.diceNormal(p)), 1e-6);
        }
    }

    @Test
    void focalOnMapsEqualsFocalOnPixelRows() {
        for (double alpha : new double[] {Double.NaN, 0.25}) {
            try (PointerScope scope = new PointerScope()) {
                Tensor[] in = gridsAndMasks(2, 8, 112);
                Tensor gt = in[1];
                Losses.PixelTargets px = Losses.PixelTargets.of(gt, 8, alpha);
                Tensor u1 = px.upsample(in[0]);
                Tensor u0 = u1.neg().add(new org.bytedeco.pytorch.Scalar(1.0));
                Tensor rows = org.bytedeco.pytorch.global.torch.stack(new org.bytedeco.pytorch.TensorVector(u0, u1), 3)
                        .reshape(-1, 2);                                                   // [B·S·S, 2] in (b, y, x) order
                assertEquals(scalar(Losses.focal(rows, gt.reshape(-1), alpha)), scalar(Losses.focalMaps(u0, u1, px)), 1e-7);
            }
        }
    }

    @Test
    void focalOfGridsHasTheValueAndGradientOfAutogradThroughTheMaps() {
        for (double alpha : new double[] {Double.NaN, 0.25}) {
            try (PointerScope scope = new PointerScope()) {
                Tensor[] in = gridsAndMasks(2, 8, 112);
                Losses.PixelTargets px = Losses.PixelTargets.of(in[1], 8, alpha);
                Tensor[] grads = new Tensor[4];
                double[] values = new double[2];
                for (int way = 0; way < 2; way++) {
                    Tensor p1 = in[0].clone().requires_grad_(true);
                    Tensor p0 = in[0].neg().add(new org.bytedeco.pytorch.Scalar(1.0)).requires_grad_(true);
                    Tensor loss = way == 0 ? Losses.focalMaps(px.upsample(p0), px.upsample(p1), px) : Losses.focalOfGrids(p0, p1, px);
                    loss.backward();
                    values[way] = scalar(loss);
                    grads[2 * way] = p0.grad();
                    grads[2 * way + 1] = p1.grad();
                }
                assertEquals(values[0], values[1], 1e-6 * values[0]);
                double scale = Math.max(maxAbsDiff(grads[0], grads[0].mul(new org.bytedeco.pytorch.Scalar(0.0))), 1e-12);
                assertTrue(maxAbsDiff(grads[0], grads[2]) < 1e-4 * scale, "p0 gradient, alpha " + alpha);
                assertTrue(maxAbsDiff(grads[1], grads[3]) < 1e-4 * scale, "p1 gradient, alpha " + alpha);
            }
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
