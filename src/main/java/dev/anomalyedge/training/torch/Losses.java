package dev.anomalyedge.training.torch;

import dev.anomalyedge.model.AnomalyClipSettings;

import dev.anomalyedge.text.TextEncoder;
import dev.anomalyedge.torch.TorchTensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
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
 *                 = A · P_c · Aᵀ per class c, A [S, G] fixed                 (see {@link PixelTargets})
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
 * <p>The loss terms are accumulated tap by tap as focal, dice_abn, dice_norm, as in the reference. Where the reference's
 * way is slow on a CPU the same numbers are computed another way (differing only in float rounding; the golden cases
 * agree to about 1e-6 relative): the similarity as one matmul (patch · tᵀ) / ‖patch‖, the upsampling as two matmuls,
 * dice from sums over the grid cells, the focal loss on the [B, S, S] maps without a per-pixel [B·S·S, 2] copy. At
 * full size (B = 8, S = 518, K = 4) this takes the step from seconds to a fraction of one (README, Benchmarks).
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
        double alpha = recipe == Recipe.OFFICIAL ? Double.NaN : MISSION_FOCAL_ALPHA;
        PixelTargets px = PixelTargets.of(masks, g, alpha);                            // the same for every tap
        Tensor norms = torch.linalg_vector_norm(patchFeatures, new Scalar(2.0), new long[] {-1}, true,
                new ScalarTypeOptional());                                             // ‖patch‖ [K, B, T, 1]
        Tensor sim = patchFeatures.matmul(text.t()).div(norms);                        // Σ_e z·t_c  [K, B, T, 2]
        Tensor probs = sim.div(new Scalar(TEMPERATURE)).softmax(-1);                   // P  [K, B, T, 2]
        Tensor[] maps = focalScratch(masks);                                           // 4 × [B, S, S], reused by the taps
        Tensor local = null;
        Tensor[] focal = new Tensor[taps], diceAbn = new Tensor[taps], diceNorm = new Tensor[taps];
        for (int k = 0; k < taps; k++) {
            Tensor grid = probs.select(0, k).narrow(1, 1, tokens - 1).reshape(b, g, g, 2);   // drop CLS: [B, G, G, 2]
            Tensor p0 = grid.select(3, 0), p1 = grid.select(3, 1);                     // normal, abnormal [B, G, G]
            focal[k] = focalOfGrids(p0, p1, px, maps);
            diceAbn[k] = px.diceAbnormal(p1);
            diceNorm[k] = px.diceNormal(p0);
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

    /**
     * The focal loss of the upsampled maps, {@link #focal(Tensor, FocalTargets)} on the B·S·S pixels written on the
     * [B, S, S] maps themselves (no [B·S·S, 2] copy): {@code pt = w0·U0 + w1·U1 + 1e-5} with the clamped one-hot
     * columns w_c = clamp([gt == c], 1e-5, 1 − 1e-5), then {@code mean(−α_y · (1 − pt)² · log pt)}.
     */
    static Tensor focalMaps(Tensor u0, Tensor u1, PixelTargets px) {
        Tensor pt = u0.mul(px.w0()).add(u1.mul(px.w1())).add(new Scalar(FOCAL_SMOOTH));   // [B, S, S]
        Tensor logPt = pt.log();
        Tensor oneMinusPt = pt.neg().add(new Scalar(1.0));
        Tensor negWeighted = px.alpha() == null
                ? oneMinusPt.pow(new Scalar(FOCAL_GAMMA)).neg()                        // −1 · (1 − pt)²
                : px.alpha().mul(new Scalar(-1.0)).mul(oneMinusPt.pow(new Scalar(FOCAL_GAMMA)));
        return negWeighted.mul(logPt).mean();
    }

    /**
     * {@link #focalMaps}{@code (A·p0·Aᵀ, A·p1·Aᵀ)} with its gradient into the grids p0, p1 [B, G, G] written out, so
     * that the B·S·S pixels are visited a few times in place instead of through a dozen autograd temporaries (on the
     * CPU, fresh full-size buffers cost more than the arithmetic). With q = 1 − pt, γ = 2 and M = B·S·S:
     * <pre>
     * L = −(1/M) Σ α·q²·log pt
     * ∂L/∂pt = (α/M)·q·(2·log pt − q/pt)
     * ∂L/∂U_c = w_c · ∂L/∂pt                (pt = w0·U0 + w1·U1 + 1e-5)
     * ∂L/∂p_c = Aᵀ · ∂L/∂U_c · A            (U_c = A·p_c·Aᵀ)
     * </pre>
     * The result's value is L; autograd sees {@code L + Σ_c Σ p_c·g_c − (the same, detached)}, whose gradient into
     * p_c is g_c = ∂L/∂p_c and whose added part is exactly zero.
     */
    static Tensor focalOfGrids(Tensor p0, Tensor p1, PixelTargets px) {
        return focalOfGrids(p0, p1, px, focalScratch(px.w0()));
    }

    /** Four uninitialised maps shaped like {@code like} [B, S, S]: the scratch of {@link #focalOfGrids}. */
    static Tensor[] focalScratch(Tensor like) {
        Tensor[] maps = new Tensor[4];
        for (int i = 0; i < maps.length; i++) maps[i] = torch.empty_like(like);
        return maps;
    }

    /**
     * {@link #focalOfGrids(Tensor, Tensor, PixelTargets)} computed in the four full-size maps {@code scratch} (whose
     * contents it overwrites), so that the K taps of one step share them: a fresh full-size buffer costs more to fault
     * in than the arithmetic done in it.
     */
    static Tensor focalOfGrids(Tensor p0, Tensor p1, PixelTargets px, Tensor[] scratch) {
        Tensor value, g0, g1;
        try (NoGradGuard noGrad = new NoGradGuard()) {
            Tensor pt = px.upsample(p0, scratch[0]).mul_(px.w0());                     // w0·U0           [B, S, S]
            Tensor logPt = px.upsample(p1, scratch[1]).mul_(px.w1());                  // w1·U1 (scratch)
            pt.add_(logPt).add_(new Scalar(FOCAL_SMOOTH));                             // pt
            logPt.copy_(pt).log_();                                                    // log pt
            Tensor q = scratch[2].copy_(pt).neg_().add_(new Scalar(1.0));              // q = 1 − pt
            Tensor work = scratch[3].copy_(q).mul_(q).mul_(logPt);                     // q²·log pt
            if (px.alpha() != null) work.mul_(px.alpha());                             // α·q²·log pt
            double m = (double) pt.numel();
            value = work.sum().div_(new Scalar(-m));                                   // L
            Tensor dPt = logPt.mul_(new Scalar(2.0)).sub_(work.copy_(q).div_(pt)).mul_(q).div_(new Scalar(m));   // ∂L/∂pt
            if (px.alpha() != null) dPt.mul_(px.alpha());
            g0 = px.downsample(work.copy_(dPt).mul_(px.w0()));                         // ∂L/∂p0 [B, G, G]
            g1 = px.downsample(dPt.mul_(px.w1()));                                     // ∂L/∂p1
        }
        Tensor linear = p0.mul(g0).sum().add(p1.mul(g1).sum());                        // Σ_c Σ p_c·g_c (autograd)
        return linear.sub(linear.detach()).add(value);
    }

    /**
     * What the pixel terms need of the ground truth gt [B, S, S], built once per batch and shared by the K taps.
     *
     * <p>The bilinear upsampling ({@code align_corners=False}, docs/method.md §5.2) is linear and separable:
     * {@code U = A · P · Aᵀ} with the fixed matrix A [S, G] (two small matmuls; their backward is two matmuls too, where
     * libtorch's CPU {@code upsample_bilinear2d} backward is a slow scatter). Dice needs only sums over the pixels of
     * U times a mask, and these are sums over the grid cells (the same numbers up to float rounding):
     * <pre>
     * Σ_pixels U ⊙ y = Σ_cells P ⊙ (Aᵀ · y · A)        Σ_pixels U = Σ_cells P ⊙ (a · aᵀ),  a = Aᵀ · 1   [G]
     * </pre>
     * so dice costs nothing at full resolution; only the focal loss, which is not linear in U, needs the maps.
     *
     * @param a           A [S, G]
     * @param aT          Aᵀ [G, S]
     * @param w0          clamp(1 − gt, 1e-5, 1 − 1e-5) [B, S, S]
     * @param w1          clamp(gt, 1e-5, 1 − 1e-5) [B, S, S]
     * @param alpha       α_y [B, S, S] (MISSION), or null (OFFICIAL: weight 1)
     * @param gtCells     Aᵀ · gt · A [B, G, G]
     * @param normalCells Aᵀ · (1 − gt) · A [B, G, G]
     * @param cellArea    a · aᵀ [G, G]
     * @param gtSum       Σ_pixels gt [B]
     * @param normalSum   Σ_pixels (1 − gt) [B]
     */
    record PixelTargets(Tensor a, Tensor aT, Tensor w0, Tensor w1, Tensor alpha, Tensor gtCells, Tensor normalCells,
                        Tensor cellArea, Tensor gtSum, Tensor normalSum) {
        static PixelTargets of(Tensor gt, long g, double alpha) {
            long b = gt.size(0), s = gt.size(1);
            Tensor a = bilinearMatrix(g, s);                                           // [S, G]
            Tensor aT = a.t().contiguous();                                            // [G, S]
            Tensor normal = gt.neg().add_(new Scalar(1.0));                            // 1 − gt [B, S, S]
            Tensor w0 = normal.clamp_min(new Scalar(FOCAL_SMOOTH)).clamp_max_(new Scalar(1.0 - FOCAL_SMOOTH));
            Tensor w1 = gt.clamp_min(new Scalar(FOCAL_SMOOTH)).clamp_max_(new Scalar(1.0 - FOCAL_SMOOTH));
            Tensor weight = Double.isNaN(alpha) ? null
                    : normal.mul(new Scalar(alpha)).add(gt.mul(new Scalar(1.0 - alpha)));   // α_y
            Tensor colSums = a.sum(new long[] {0}, false, new ScalarTypeOptional());   // a = Aᵀ · 1 [G]
            return new PixelTargets(a, aT, w0, w1, weight,
                    adjoint(a, aT, gt), adjoint(a, aT, normal),                        // [B, G, G]
                    colSums.unsqueeze(1).mul(colSums.unsqueeze(0)),                   // [G, G]
                    gt.reshape(b, -1).sum(new long[] {1}, false, new ScalarTypeOptional()),
                    normal.reshape(b, -1).sum(new long[] {1}, false, new ScalarTypeOptional()));
        }

        /** bilinear(p → S×S, align_corners=False) = A · p · Aᵀ: [B, G, G] → [B, S, S] (differentiable). */
        Tensor upsample(Tensor p) {
            long b = p.size(0), s = a.size(0), g = a.size(1);
            return torch.bmm(a.expand(b, s, g), p).matmul(aT);                 // (A · p) [B, S, G], then · Aᵀ
        }

        /** {@link #upsample(Tensor)} written into {@code out} [B, S, S], which is returned; not differentiable. */
        Tensor upsample(Tensor p, Tensor out) {
            long b = p.size(0), s = a.size(0), g = a.size(1);
            return torch.matmul_out(out, torch.bmm(a.expand(b, s, g), p), aT);   // (A · p) [B, S, G], then · Aᵀ
        }

        /** The adjoint of {@link #upsample}: Aᵀ · u · A, [B, S, S] → [B, G, G]. */
        Tensor downsample(Tensor u) {
            return adjoint(a, aT, u);
        }

        /** Aᵀ · u · A for u [B, S, S]: (Aᵀ · u) [B, G, S] by a batched product, then one [B·G, S]·[S, G] product. */
        private static Tensor adjoint(Tensor a, Tensor aT, Tensor u) {
            long b = u.size(0), s = a.size(0), g = a.size(1);
            return torch.bmm(aT.expand(b, g, s), u).matmul(a);
        }

        /** dice(U_abnormal, gt) from the abnormal grid p1 [B, G, G]. */
        Tensor diceAbnormal(Tensor p1) {
            return diceOnCells(p1, gtCells, gtSum);
        }

        /** dice(U_normal, 1 − gt) from the normal grid p0 [B, G, G]. */
        Tensor diceNormal(Tensor p0) {
            return diceOnCells(p0, normalCells, normalSum);
        }

        /** {@link #dice} of U = A·p·Aᵀ and a mask y given by yCells = Aᵀ·y·A [B, G, G] and ySum = Σ y [B]. */
        private Tensor diceOnCells(Tensor p, Tensor yCells, Tensor ySum) {
            long n = p.size(0);
            long[] cells = {1, 2};
            Tensor intersection = p.mul(yCells).sum(cells, false, new ScalarTypeOptional());    // Σ_pixels U·y [B]
            Tensor mapSum = p.mul(cellArea).sum(cells, false, new ScalarTypeOptional());        // Σ_pixels U [B]
            Tensor eff = intersection.mul(new Scalar(2.0)).add(new Scalar(DICE_SMOOTH))
                    .div(mapSum.add(ySum).add(new Scalar(DICE_SMOOTH)));                        // [B]
            return eff.sum().div(new Scalar((double) n)).neg().add(new Scalar(1.0));
        }
    }

    /**
     * A [S, G] with bilinear(x → S, align_corners=False) = A · x along one axis (docs/method.md §5.2), its weights
     * computed in float32 exactly as libtorch's CPU kernel computes them: scale = (float) G / S,
     * src = max(scale·(o + 0.5) − 0.5, 0), i0 = (int) src, i1 = min(i0 + 1, G − 1), λ = src − i0.
     */
    static Tensor bilinearMatrix(long g, long s) {
        int gi = Math.toIntExact(g), si = Math.toIntExact(s);
        float scale = (float) gi / si;
        float[] a = new float[si * gi];
        for (int o = 0; o < si; o++) {
            float src = Math.max(scale * (o + 0.5f) - 0.5f, 0f);
            int i0 = (int) src, i1 = Math.min(i0 + 1, gi - 1);
            float lambda = src - i0;
            a[o * gi + i0] += 1f - lambda;
            a[o * gi + i1] += lambda;
        }
        return TorchTensors.fromFloats(a, s, g);
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
