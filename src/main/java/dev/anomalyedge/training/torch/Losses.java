package dev.anomalyedge.training.torch;

import dev.anomalyedge.model.AnomalyClipSettings;

import dev.anomalyedge.text.TextEncoder;
import dev.anomalyedge.torch.TorchTensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

import java.util.Arrays;

/**
 * AnomalyCLIP's training objective on libtorch, with autograd into the text features (docs/method.md §8; {@code train.py},
 * {@code loss.py}).
 *
 * <p>Inputs: text features t [2, E] (normalised; row 0 normal, row 1 abnormal), the frozen visual features of a batch
 * (not normalised): image features f [B, E] and patch features [K, B, T, E] (T = G·G + 1, CLS first), labels [B]
 * int64 0/1 and ground-truth masks gt [B, S, S] float 0/1.
 *
 * <pre>
 * f̂ = f / ‖f‖;   logits = f̂ · tᵀ / 0.07                                [B, 2]
 * per tap k:  z = patch_k / ‖patch_k‖                                     [B, T, E]
 *             P = softmax_c(Σ_e z·t_c / 0.07)                             [B, T, 2]
 *             U_k = bilinear(P[:, 1:] as [B, 2, G, G] → S×S, align_corners=False)   [B, 2, S, S]
 *             local_k = focal(U_k, gt) + dice(U_k[:, 1], gt) + dice(U_k[:, 0], 1 − gt)
 * OFFICIAL:   total = 4 · Σ_k local_k + CE(logits, label)
 * MISSION:    total = 4 · mean_k local_k + focal_{α=0.25}(softmax(logits), label) + 0.1 · margin
 * </pre>
 *
 * <p><b>Focal loss</b> ({@code loss.py FocalLoss}, gamma 2, smooth 1e-5), on probabilities p [M, 2] (M = B·S·S pixels
 * in (b, y, x) order, or the B images) and targets y ∈ {0, 1}: the one-hot target clamped to [1e-5, 1 − 1e-5],
 * {@code pt = (1−1e-5)·p_y + 1e-5·p_{1−y} + 1e-5}, {@code loss = mean(−α_y · (1 − pt)² · log pt)}. OFFICIAL: alpha
 * None, α_y = 1. MISSION: alpha 0.25 with {@code loss.py}'s meaning of a float alpha (balance_index 0): α = 0.25 for
 * the normal class and 1 − 0.25 = 0.75 for the abnormal class. (This is the reverse of torchvision's
 * {@code sigmoid_focal_loss}, where alpha weights the positive class.) On the image probabilities of two classes this
 * is the binary focal loss on the abnormal probability p_a.
 *
 * <p><b>Dice</b> ({@code loss.py BinaryDiceLoss}, smooth 1): per image {@code D_b = (2 Σ x·y + 1) / (Σ x + Σ y + 1)}
 * over all pixels, {@code dice = 1 − Σ_b D_b / B}.
 *
 * <p><b>Contrastive margin loss</b> (MISSION only, margin m = 0.5, weight 0.1), on the image cosines
 * {@code cos_c = f̂ · t_c} (no temperature): for a normal image the normal prompt must win by the margin, for an
 * anomalous image the abnormal one: {@code margin = mean_b max(0, m − (cos_correct − cos_wrong))}, with
 * (correct, wrong) = (n, a) for label 0 and (a, n) for label 1.
 *
 * <p>The operations follow the reference's order (similarity as elementwise product and sum, loss terms accumulated
 * tap by tap as focal, dice_abn, dice_norm) so that float32 results agree with it to about 1e-6 relative (golden cases).
 */
public final class Losses {
    /** Fixed softmax temperature of the similarities: {@link AnomalyClipSettings#TEMPERATURE}. */
    private static final double TEMPERATURE = AnomalyClipSettings.TEMPERATURE;
    /** Weight of the local (pixel) loss, {@code lam} in train.py. */
    public static final double LAM = 4;
    public static final double FOCAL_GAMMA = 2;
    public static final double FOCAL_SMOOTH = 1e-5;
    public static final double DICE_SMOOTH = 1;
    /** MISSION: focal alpha (weight of the normal class; the abnormal class gets 1 − alpha). */
    public static final double MISSION_FOCAL_ALPHA = 0.25;
    /** MISSION: contrastive margin m. */
    public static final double MARGIN = 0.5;
    /** MISSION: weight of the contrastive margin loss. */
    public static final double MARGIN_WEIGHT = 0.1;

    private final Recipe recipe;

    public Losses(Recipe recipe) {
        if (recipe == null) throw new IllegalArgumentException("recipe must not be null");
        this.recipe = recipe;
    }

    public Recipe recipe() { return recipe; }

    /**
     * The total loss as a libtorch scalar (connected to the autograd graph of {@code text}; belongs to the caller's
     * innermost PointerScope, which must be open) and every term as numbers.
     */
    public record Evaluation(Tensor total, LossTerms terms) {}

    /**
     * Evaluates the objective. Every libtorch object created here, the returned {@code total} included, belongs to the
     * caller's innermost {@link PointerScope}; calling without one open is refused. The image size S and the grid G
     * are read from the shapes (masks [B, S, S], T = G·G + 1).
     *
     * @param text          [2, E] normalised text features (autograd)
     * @param imageFeatures [B, E] raw image features (constants)
     * @param patchFeatures [K, B, T, E] raw patch features (constants)
     * @param labels        [B] int64, 0 normal / 1 anomalous
     * @param masks         [B, S, S] float 0/1
     */
    public Evaluation compute(Tensor text, Tensor imageFeatures, Tensor patchFeatures, Tensor labels, Tensor masks) {
        if (PointerScope.getInnerScope() == null) {
            throw new IllegalStateException("Losses.compute must run inside a PointerScope, which owns its tensors");
        }
        checkShapes(text, imageFeatures, patchFeatures, labels, masks);
        long e = text.size(1);
        long b = imageFeatures.size(0);
        int taps = (int) patchFeatures.size(0);
        long tokens = patchFeatures.size(2);
        long g = TrainingBatch.gridSide(tokens);
        long s = masks.size(1);

        // ---- global (image) term
        Tensor fHat = TextEncoder.normalize(imageFeatures);                            // [B, E]
        Tensor cos = fHat.matmul(text.t());                                            // [B, 2]
        Tensor logits = cos.div(new Scalar(TEMPERATURE));                              // [B, 2]
        Tensor imageLoss;
        Tensor margin = null;
        if (recipe == Recipe.OFFICIAL) {
            imageLoss = torch.cross_entropy_loss(logits, labels);                      // mean over B
        } else {
            imageLoss = focal(logits.softmax(-1), labels, MISSION_FOCAL_ALPHA);
            margin = marginLoss(cos, labels);
        }

        // ---- local (pixel) terms, tap by tap
        Tensor gt = masks;                                                             // [B, S, S]
        Tensor gtFlat = masks.reshape(-1);                                             // [B·S·S], (b, y, x) order
        Tensor gtNormal = masks.neg().add(new Scalar(1.0));                            // 1 − gt
        Tensor tRows = text.reshape(1, 1, 2, e);                                       // [1, 1, 2, E]
        double alpha = recipe == Recipe.OFFICIAL ? Double.NaN : MISSION_FOCAL_ALPHA;
        FocalTargets pixelTargets = FocalTargets.of(gtFlat, alpha);                    // the same for every tap
        Tensor local = null;
        Tensor[] focal = new Tensor[taps], diceAbn = new Tensor[taps], diceNorm = new Tensor[taps];
        for (int k = 0; k < taps; k++) {
            Tensor z = TextEncoder.normalize(patchFeatures.select(0, k));             // [B, T, E]
            Tensor sim = z.reshape(b, tokens, 1, e).mul(tRows).sum(-1);                // [B, T, 2]
            Tensor p = sim.div(new Scalar(TEMPERATURE)).softmax(-1);                   // [B, T, 2]
            Tensor grid = p.narrow(1, 1, tokens - 1)                                   // drop CLS: [B, G·G, 2]
                    .reshape(b, g, g, 2).permute(0, 3, 1, 2);                          // [B, 2, G, G]
            Tensor u = torch.upsample_bilinear2d(grid, new long[] {s, s}, false);      // [B, 2, S, S]
            Tensor pixels = u.reshape(b, 2, s * s).permute(0, 2, 1).reshape(b * s * s, 2);   // [B·S·S, 2]
            focal[k] = focal(pixels, pixelTargets);
            diceAbn[k] = dice(u.select(1, 1), gt);
            diceNorm[k] = dice(u.select(1, 0), gtNormal);
            local = local == null ? focal[k] : local.add(focal[k]);
            local = local.add(diceAbn[k]);
            local = local.add(diceNorm[k]);
        }
        if (recipe == Recipe.MISSION) local = local.div(new Scalar((double) taps));   // mean over taps
        Tensor localLoss = local.mul(new Scalar(LAM));
        Tensor total = localLoss.add(imageLoss);
        if (margin != null) total = total.add(margin.mul(new Scalar(MARGIN_WEIGHT)));

        LossTerms terms = new LossTerms(recipe, value(imageLoss), margin == null ? 0 : value(margin),
                values(focal), values(diceAbn), values(diceNorm), value(local), LAM, value(localLoss), value(total),
                TorchTensors.toFloats(logits));
        return new Evaluation(total, terms);
    }

    /**
     * {@code loss.py FocalLoss} on probabilities [M, 2] with targets [M] (0/1, any numeric type), gamma 2, smooth 1e-5.
     * {@code alpha} NaN = None (weight 1); otherwise α for class 0 (normal) and 1 − α for class 1 (abnormal).
     */
    static Tensor focal(Tensor probs, Tensor targets, double alpha) {
        return focal(probs, FocalTargets.of(targets, alpha));
    }

    /**
     * The parts of the focal loss that depend only on the targets, built once per batch and shared by the K taps:
     * the clamped one-hot [M, 2] and the class weights α_y [M] (null for alpha None, weight 1).
     */
    record FocalTargets(Tensor oneHot, Tensor weight) {
        static FocalTargets of(Tensor targets, double alpha) {
            Tensor y = targets.reshape(-1).to(torch.ScalarType.Float);                 // [M]
            Tensor yOther = y.neg().add(new Scalar(1.0));                              // [M]
            Tensor oneHot = torch.stack(new TensorVector(yOther, y), 1)                // [M, 2]: column c = [y == c]
                    .clamp_min(new Scalar(FOCAL_SMOOTH)).clamp_max(new Scalar(1.0 - FOCAL_SMOOTH));
            Tensor weight = Double.isNaN(alpha) ? null                                 // alpha None: all ones
                    : yOther.mul(new Scalar(alpha)).add(y.mul(new Scalar(1.0 - alpha)));   // α_y
            return new FocalTargets(oneHot, weight);
        }
    }

    /** mean(−α_y · (1 − pt)² · log pt), pt = Σ_c oneHot·p + 1e-5 (a weight of one is left out: x·1 = x exactly). */
    static Tensor focal(Tensor probs, FocalTargets targets) {
        Tensor pt = targets.oneHot().mul(probs).sum(1).add(new Scalar(FOCAL_SMOOTH));  // [M]
        Tensor logPt = pt.log();
        Tensor oneMinusPt = pt.neg().add(new Scalar(1.0));
        Tensor negWeighted = targets.weight() == null
                ? oneMinusPt.pow(new Scalar(FOCAL_GAMMA)).neg()                        // −1 · (1 − pt)²
                : targets.weight().mul(new Scalar(-1.0)).mul(oneMinusPt.pow(new Scalar(FOCAL_GAMMA)));
        return negWeighted.mul(logPt).mean();
    }

    /** {@code loss.py BinaryDiceLoss}: input, target [B, S, S]; 1 − mean_b (2 Σ x·y + 1) / (Σ x + Σ y + 1). */
    static Tensor dice(Tensor input, Tensor target) {
        long n = target.size(0);
        Tensor x = input.reshape(n, -1);                                               // [B, S·S]
        Tensor y = target.reshape(n, -1);
        Tensor intersection = x.mul(y);
        Tensor eff = intersection.sum(1).mul(new Scalar(2.0)).add(new Scalar(DICE_SMOOTH))
                .div(x.sum(1).add(y.sum(1)).add(new Scalar(DICE_SMOOTH)));             // [B]
        return eff.sum().div(new Scalar((double) n)).neg().add(new Scalar(1.0));
    }

    /** mean_b max(0, m − s_b·(cos_a − cos_n)), s_b = +1 for anomalous, −1 for normal images. */
    static Tensor marginLoss(Tensor cos, Tensor labels) {
        Tensor sign = labels.to(torch.ScalarType.Float).mul(new Scalar(2.0)).sub(new Scalar(1.0));     // [B]: −1 / +1
        Tensor gap = cos.select(1, 1).sub(cos.select(1, 0)).mul(sign);                 // cos_correct − cos_wrong
        return gap.neg().add(new Scalar(MARGIN)).clamp_min(new Scalar(0.0)).mean();
    }

    private static double value(Tensor scalar) {
        return TorchTensors.toFloats(scalar)[0];
    }

    private static double[] values(Tensor[] scalars) {
        double[] out = new double[scalars.length];
        for (int i = 0; i < scalars.length; i++) out[i] = value(scalars[i]);
        return out;
    }

    private static void checkShapes(Tensor text, Tensor imageFeatures, Tensor patchFeatures, Tensor labels, Tensor masks) {
        if (text.dim() != 2 || text.size(0) != 2) throw new IllegalArgumentException("text features must be [2, E], got " + shape(text));
        long e = text.size(1);
        if (imageFeatures.dim() != 2 || imageFeatures.size(1) != e) {
            throw new IllegalArgumentException("image features must be [B, E=" + e + "], got " + shape(imageFeatures));
        }
        long b = imageFeatures.size(0);
        if (patchFeatures.dim() != 4 || patchFeatures.size(0) < 1 || patchFeatures.size(1) != b || patchFeatures.size(3) != e
                || TrainingBatch.gridSide(patchFeatures.size(2)) < 0) {
            throw new IllegalArgumentException("patch features must be [K, B=" + b + ", G·G+1, E=" + e + "], got " + shape(patchFeatures));
        }
        if (labels.dim() != 1 || labels.size(0) != b || labels.scalar_type().intern() != torch.ScalarType.Long) {
            throw new IllegalArgumentException("labels must be int64 [B=" + b + "], got " + shape(labels) + " " + labels.scalar_type());
        }
        if (masks.dim() != 3 || masks.size(0) != b || masks.size(1) != masks.size(2)) {
            throw new IllegalArgumentException("masks must be [B=" + b + ", S, S], got " + shape(masks));
        }
    }

    private static String shape(Tensor t) {
        return Arrays.toString(t.shape());
    }
}
