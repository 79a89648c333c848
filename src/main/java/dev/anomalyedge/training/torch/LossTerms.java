package dev.anomalyedge.training.torch;

/**
 * Every term of one loss evaluation, as numbers for logging (float32 values widened to double). Names follow the
 * golden {@code train/losses.json}.
 *
 * @param recipe       the objective that produced these terms
 * @param imageLoss    global term: OFFICIAL cross-entropy of the image logits ({@code image_loss}); MISSION focal loss
 *                     (alpha 0.25) of the image probabilities
 * @param marginLoss   MISSION only: the contrastive margin loss before its weight 0.1 (0 for OFFICIAL)
 * @param focal        per tap k: focal loss of the upsampled maps ({@code focal})
 * @param diceAbnormal per tap k: dice(U_k[:, 1], gt) ({@code dice_abnormal})
 * @param diceNormal   per tap k: dice(U_k[:, 0], 1 − gt) ({@code dice_normal})
 * @param local        OFFICIAL: Σ_k (focal + dice_abn + dice_norm) ({@code local_sum}); MISSION: the mean over k
 * @param lam          weight of the local term ({@code lam}, 4)
 * @param localLoss    lam · local ({@code local_loss})
 * @param total        the loss that is minimised ({@code total})
 * @param imageLogits  [B·2] row-major: cos(image, t_c) / 0.07, c = normal, abnormal
 */
public record LossTerms(Recipe recipe, double imageLoss, double marginLoss, double[] focal, double[] diceAbnormal,
                        double[] diceNormal, double local, double lam, double localLoss, double total, float[] imageLogits) {

    public LossTerms {
        focal = focal.clone();
        diceAbnormal = diceAbnormal.clone();
        diceNormal = diceNormal.clone();
        imageLogits = imageLogits.clone();
    }

    /** Number of taps K. */
    public int taps() { return focal.length; }

    @Override public double[] focal() { return focal.clone(); }
    @Override public double[] diceAbnormal() { return diceAbnormal.clone(); }
    @Override public double[] diceNormal() { return diceNormal.clone(); }
    @Override public float[] imageLogits() { return imageLogits.clone(); }

    /** True when every term is a finite number. */
    public boolean allFinite() {
        boolean ok = Double.isFinite(imageLoss) && Double.isFinite(marginLoss) && Double.isFinite(local)
                && Double.isFinite(localLoss) && Double.isFinite(total);
        for (int k = 0; k < focal.length; k++) {
            ok &= Double.isFinite(focal[k]) && Double.isFinite(diceAbnormal[k]) && Double.isFinite(diceNormal[k]);
        }
        return ok;
    }

    /** One line for a training log. */
    public String summary() {
        return String.format(java.util.Locale.ROOT, "total %.6f = %.0f·local %.6f + image %.6f%s", total, lam, local, imageLoss,
                recipe == Recipe.MISSION ? String.format(java.util.Locale.ROOT, " + %.1f·margin %.6f", Losses.MARGIN_WEIGHT, marginLoss) : "");
    }
}
