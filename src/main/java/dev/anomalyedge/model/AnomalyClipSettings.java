package dev.anomalyedge.model;

import java.util.ArrayList;
import java.util.List;

/**
 * AnomalyCLIP hyper-parameters, named and defaulted as in the official code.
 *
 * @param imageSize     S, input side (518)
 * @param featuresList  1-based vision blocks whose output is tapped (6, 12, 18, 24)
 * @param dpamLayer     the reference's DPAM_layer argument: the last dpamLayer−1 blocks are DPAM blocks (20)
 * @param dpamBlocks    optional explicit 1-based DPAM block list (mission-document variant, e.g. 6..11);
 *                      empty = use {@code dpamLayer}
 * @param nCtx          learnable context tokens per prompt (12)
 * @param depth         deep-prompt depth: blocks 1..depth−1 get deep prompts (9)
 * @param tNCtx         deep prompt tokens per block (4)
 * @param sigma         Gaussian smoothing sigma of the anomaly map (4)
 * @param tapReduction  SUM over taps (official) or MEAN (mission document)
 */
public record AnomalyClipSettings(int imageSize, List<Integer> featuresList, int dpamLayer, List<Integer> dpamBlocks,
                                  int nCtx, int depth, int tNCtx, double sigma, TapReduction tapReduction) {

    public enum TapReduction { SUM, MEAN }

    /**
     * τ, the fixed softmax temperature of every image/patch–text similarity: softmax_c(cos(f, t_c) / τ). The official
     * code hard-codes 0.07 (CLIP's logit_scale is unused). The one definition: the ONNX graph, the Java scoring head
     * over cached features and the libtorch loss all read it.
     */
    public static final double TEMPERATURE = 0.07;

    public AnomalyClipSettings {
        featuresList = List.copyOf(featuresList);
        dpamBlocks = List.copyOf(dpamBlocks);
        if (imageSize <= 0) throw new IllegalArgumentException("image size must be positive, got " + imageSize);
        if (featuresList.isEmpty()) throw new IllegalArgumentException("features list must name at least one block");
        if (dpamBlocks.isEmpty() && dpamLayer < 2) {
            throw new IllegalArgumentException("dpam must be >= 2 (the reference crashes with DPAM_layer=1), got " + dpamLayer);
        }
        if (nCtx < 1 || depth < 1 || tNCtx < 0 || tNCtx > nCtx) {
            throw new IllegalArgumentException("invalid prompt settings n_ctx=" + nCtx + " depth=" + depth + " t_n_ctx=" + tNCtx);
        }
        if (sigma < 0) throw new IllegalArgumentException("sigma must be >= 0, got " + sigma);
    }

    public static AnomalyClipSettings defaults() {
        return new AnomalyClipSettings(518, List.of(6, 12, 18, 24), 20, List.of(), 12, 9, 4, 4, TapReduction.SUM);
    }

    /**
     * The largest value an anomaly map can take: each tap's map is a probability in [0, 1], so K taps summed reach K and
     * their mean reaches 1. The one definition of the map's range: calibration histograms, overlay colour scales.
     */
    public double mapUpperBound() {
        return tapReduction == TapReduction.SUM ? featuresList.size() : 1;
    }

    /** True when 0-based vision block {@code b} of {@code layers} is a DPAM block. */
    public boolean isDpamBlock(int b, int layers) {
        if (!dpamBlocks.isEmpty()) return dpamBlocks.contains(b + 1);
        return b >= layers - (dpamLayer - 1);
    }

    /** Checks the settings against an architecture; messages say what is wrong. */
    public void validate(ClipArchitecture arch) {
        for (int f : featuresList) {
            if (f < 1 || f > arch.visionLayers()) {
                throw new IllegalArgumentException("features list entry " + f + " is outside blocks 1.." + arch.visionLayers());
            }
        }
        for (int d : dpamBlocks) {
            if (d < 1 || d > arch.visionLayers()) {
                throw new IllegalArgumentException("DPAM block " + d + " is outside blocks 1.." + arch.visionLayers());
            }
        }
        if (dpamBlocks.isEmpty() && dpamLayer - 1 > arch.visionLayers()) {
            throw new IllegalArgumentException("dpam " + dpamLayer + " asks for " + (dpamLayer - 1) + " DPAM blocks but the model has "
                    + arch.visionLayers());
        }
        if (imageSize < arch.patchSize()) {
            throw new IllegalArgumentException("image size " + imageSize + " is smaller than the patch size " + arch.patchSize());
        }
        if (depth - 1 > arch.textLayers() - 1) {
            throw new IllegalArgumentException("depth " + depth + " needs " + (depth - 1) + " deep-prompt blocks after block 0 but the text model has "
                    + arch.textLayers() + " blocks");
        }
        if (1 + nCtx + 3 > arch.contextLength()) {
            throw new IllegalArgumentException("n_ctx " + nCtx + " does not fit the context length " + arch.contextLength());
        }
    }

    /** 1-based DPAM blocks for the given number of layers. */
    public List<Integer> dpamBlocksFor(int layers) {
        List<Integer> out = new ArrayList<>();
        for (int b = 0; b < layers; b++) if (isDpamBlock(b, layers)) out.add(b + 1);
        return out;
    }

    /** Patch grid side G = S / P (integer division, as the conv does). */
    public int grid(ClipArchitecture arch) { return imageSize / arch.patchSize(); }
}
