package dev.anomalyedge.text;

import dev.anomalyedge.model.AnomalyClipSettings;
import dev.anomalyedge.model.ClipArchitecture;

/**
 * Sizes of the AnomalyCLIP prompt learner.
 *
 * @param nCtx          learnable context tokens per prompt (n_ctx, 12)
 * @param depth         deep-prompt depth: compound_prompts_text.0 .. depth−2 feed text blocks 1 .. depth−1 (9)
 * @param tNCtx         deep prompt tokens per block (t_n_ctx, 4); they overwrite positions 1 .. t_n_ctx
 * @param width         text width Dt (768)
 * @param contextLength token positions per prompt (77)
 */
public record PromptDims(int nCtx, int depth, int tNCtx, int width, int contextLength) {

    public PromptDims {
        if (nCtx < 1) throw new IllegalArgumentException("n_ctx must be >= 1, got " + nCtx);
        if (depth < 1) throw new IllegalArgumentException("depth must be >= 1, got " + depth);
        if (tNCtx < 0 || tNCtx > nCtx) throw new IllegalArgumentException("t_n_ctx must be in 0..n_ctx=" + nCtx + ", got " + tNCtx);
        if (width < 1) throw new IllegalArgumentException("width must be >= 1, got " + width);
        if (1 + nCtx >= contextLength) {
            throw new IllegalArgumentException("n_ctx " + nCtx + " leaves no room for words in a context of " + contextLength);
        }
    }

    public static PromptDims of(AnomalyClipSettings settings, ClipArchitecture arch) {
        return new PromptDims(settings.nCtx(), settings.depth(), settings.tNCtx(), arch.textWidth(), arch.contextLength());
    }

    /** Number of deep prompt tensors, depth − 1. */
    public int deepPrompts() { return depth - 1; }

    /** Length of the fixed token embeddings after the context, L − 1 − n_ctx. */
    public int suffixLength() { return contextLength - 1 - nCtx; }
}
