package dev.anomalyedge.training.torch;

/**
 * Which training objective and optimiser schedule to use.
 *
 * <ul>
 *   <li>{@link #OFFICIAL} — the official code ({@code train.py}, {@code loss.py}; docs/method.md §8):
 *       {@code total = 4·Σ_k (focal_k + dice_abn_k + dice_norm_k) + CE(image logits, label)}, focal with alpha None
 *       (weight 1 for both classes), plain Adam (lr 1e-3, betas (0.5, 0.999)), constant learning rate, no clipping.</li>
 *   <li>{@link #MISSION} — the mission document's recipe (docs/method.md §10 lists where it departs from the code):
 *       focal with alpha 0.25 on the pixels <em>and</em> on the image probabilities (replacing the cross-entropy),
 *       plus 0.1 × a contrastive margin loss (margin 0.5) on the image cosines, the local loss averaged over the taps
 *       instead of summed (lam stays 4), cosine-annealed learning rate and gradient-norm clipping at 1.0. See
 *       {@link Losses} and {@link OptimizerSettings} for the exact formulas.</li>
 * </ul>
 */
public enum Recipe {
    OFFICIAL,
    MISSION
}
