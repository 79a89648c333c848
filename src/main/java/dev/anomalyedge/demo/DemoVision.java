package dev.anomalyedge.demo;

import dev.anomalyedge.synthetic.SyntheticParts;

import dev.anomalyedge.image.Preprocessor;
import dev.anomalyedge.model.ClipArchitecture;
import dev.anomalyedge.tensor.Tensor;

import java.util.Map;

/**
 * A hand-designed vision tower for the demo model: the weights of a CLIP ViT (OpenAI key names, the demo's 128-wide,
 * 6-block, patch-16 shape) chosen so that the tower computes something an inspection can use, instead of random
 * features. It looks for colours a good {@link SyntheticParts} part never has — every part is grey with a slight cool
 * tint, between 85 and 200 grey levels — so scratches, spots, chips, and DRAEM/CutPaste pseudo-anomalies that change
 * colour or brightness light up, while a CutPaste of grey onto grey stays invisible to it.
 *
 * <p>Nothing here is learned and no prompt is involved: whether the scores say "anomalous" for these detector
 * features depends entirely on the text embeddings, which is what prompt training tunes. With random prompts the
 * image and pixel scores are a random mix of detector and nuisance (plain colour) features.
 *
 * <p>Residual stream layout (128 channels; "mirror" channels hold the negated value so each token's channel mean is 0
 * and LayerNorm only rescales):
 * <pre>
 *   0, 1          +C, -C                        constant, from the positional embedding (C = 100 dominates the
 *                                               LayerNorm scale, so LayerNorm is nearly linear on the features)
 *   2..49         colour of 16 sub-blocks        4×4-pixel sub-block s, opponent colour t: 2 + 3s + t,
 *                 (mirror 50..97)                t = 0 lightness (R+G+B)/3, 1 warmth R−B, 2 green G−(R+B)/2,
 *                                                in units of 32 grey levels (lightness centred on 128)
 *   98..103       detectors D_k (mirror 104..109) block 0's MLP: Σ over sub-blocks of QuickGELU(k·margin) for
 *                                                dark, bright, warm, cool, green, magenta
 *   110..118      pooled P_m (mirror 119..127)   blocks 1..5: uniform attention adds the image mean of the six
 *                                                detectors and of the three patch colours to every token (the
 *                                                class token's only information; DPAM's V-V path mixes them into
 *                                                the patch tokens too)
 * </pre>
 * {@code visual.proj} maps the constant to e0 (small), detector k and its pooled value to e(1+k), the pooled colours
 * to e7..e9 and the patch's mean colours to e10..e12, so patch and image features share the detector directions, as
 * CLIP's patch and class tokens share one space. {@code ln_post} zeroes the pooled channels: the patch features (which
 * pass through it) keep only their own detectors, while the image feature (the class token without {@code ln_post},
 * quirk 5.6 of the reference) keeps the pooled ones. Without that, the V-V path would add the image's mean detector
 * value to every patch of a defective image and the prompts could not separate good from bad patches.
 */
public final class DemoVision {
    private DemoVision() {}

    static final int WIDTH = 128;
    static final int PATCH = 16;
    static final int SUB = 4;                    // sub-block side in pixels
    static final int SUBS = (PATCH / SUB) * (PATCH / SUB); // 16 sub-blocks per patch
    static final int COLOURS = 3;                // lightness, warmth, green
    static final float UNIT = 32f;               // grey levels per feature unit
    static final float C = 100f;

    static final int CONST = 0;
    static final int COLOUR = 2;
    static final int COLOUR_MIRROR = COLOUR + SUBS * COLOURS;      // 50
    static final int DETECTOR = COLOUR_MIRROR + SUBS * COLOURS;    // 98
    static final int DETECTORS = 6;
    static final int DETECTOR_MIRROR = DETECTOR + DETECTORS;       // 104
    static final int POOLED = DETECTOR_MIRROR + DETECTORS;         // 110
    static final int POOLS = DETECTORS + COLOURS;                  // 9
    static final int POOLED_MIRROR = POOLED + POOLS;               // 119

    /** Opponent colours as weights of (R, G, B) in grey levels. */
    private static final float[][] OPPONENT = {{1 / 3f, 1 / 3f, 1 / 3f}, {1, 0, -1}, {-0.5f, 1, -0.5f}};
    private static final float[] CENTRE = {128, 0, 0};

    /**
     * A detector fires where {@code sign · colour[type] > threshold} (grey levels, on a 4×4 average); good parts stay
     * at least 4–12 grey levels inside every threshold (dark parts of the background stripes ≈ 89, disc 192, cool
     * tint R−B ≥ −16, |G − (R+B)/2| ≤ 2).
     */
    private record Detector(int type, float sign, float threshold, float gain) {}

    private static final Detector[] DETECTOR_DEFS = {
            new Detector(0, -1, -80, 1f),   // dark: lightness < 80
            new Detector(0, +1, 205, 1f),   // bright: lightness > 205
            new Detector(1, +1, 4, 1f),     // warm: R − B > 4
            new Detector(1, -1, 22, 1f),    // cool: B − R > 22
            new Detector(2, +1, 5, 1f),     // green: G − (R+B)/2 > 5
            new Detector(2, -1, 6, 1f),     // magenta: (R+B)/2 − G > 6
    };
    /** Scale of a detector channel: each sub-block 25 grey levels past a threshold adds about 1 (a thin scratch ≈ 1, a chip several). */
    private static final float DETECTOR_SCALE = 1 / 25f;
    /** Attention value gain and output gain of the pooling blocks. */
    private static final float ALPHA = 1f;
    private static final float BETA = 2f;
    private static final float COLOUR_POOL = 0.25f;
    private static final float COLOUR_GAIN = 4f;

    /** Whether {@code a} has the shape this design needs (the demo architecture's vision tower). */
    public static boolean fits(ClipArchitecture a) {
        return a.visionWidth() == WIDTH && a.patchSize() == PATCH && a.visionHeads() == 2 && a.visionLayers() >= 2
                && a.embedDim() >= 16;
    }

    /** Replaces every {@code visual.*} tensor of {@code sd} with the designed weights (no randomness: same weights every time). */
    public static void apply(Map<String, Tensor> sd, ClipArchitecture a) {
        if (!fits(a)) {
            throw new IllegalArgumentException("the designed demo vision tower needs width 128, patch 16, 2 heads,"
                    + " >= 2 blocks and embed >= 16, found " + a);
        }
        float s0 = (float) Math.sqrt(2.0 * C * C / WIDTH); // LayerNorm scale of ln_pre (the constant dominates)
        int grid = a.storedGrid();

        // patch embedding: 4×4 sub-block means of the three opponent colours, undoing CLIP's normalisation
        float[] conv = new float[WIDTH * 3 * PATCH * PATCH];
        float[] offset = new float[WIDTH]; // what normalisation removed, restored through the positional embedding
        for (int s = 0; s < SUBS; s++) {
            int sy = s / (PATCH / SUB);
            int sx = s % (PATCH / SUB);
            for (int t = 0; t < COLOURS; t++) {
                int ch = COLOUR + COLOURS * s + t;
                float off = -CENTRE[t];
                for (int c = 0; c < 3; c++) {
                    // pixel = 255 (std·n + mean): weight on n is 255·std, the mean part is a constant
                    float w = OPPONENT[t][c] * 255f * Preprocessor.OPENAI_STD[c] / (SUB * SUB) / UNIT;
                    off += OPPONENT[t][c] * 255f * Preprocessor.OPENAI_MEAN[c];
                    for (int i = 0; i < SUB; i++) {
                        for (int j = 0; j < SUB; j++) {
                            int y = sy * SUB + i;
                            int x = sx * SUB + j;
                            conv[idx4(ch, c, y, x)] = w;
                            conv[idx4(ch + SUBS * COLOURS, c, y, x)] = -w;
                        }
                    }
                }
                offset[ch] = off / UNIT;
                offset[ch + SUBS * COLOURS] = -off / UNIT;
            }
        }
        offset[CONST] = C;
        offset[CONST + 1] = -C;
        sd.put("visual.conv1.weight", Tensor.ofFloats(new long[] {WIDTH, 3, PATCH, PATCH}, conv));

        float[] pos = new float[(1 + grid * grid) * WIDTH];
        for (int r = 0; r < 1 + grid * grid; r++) System.arraycopy(offset, 0, pos, r * WIDTH, WIDTH);
        sd.put("visual.positional_embedding", Tensor.ofFloats(new long[] {1 + grid * grid, WIDTH}, pos));
        // class token = a neutral good grey (lightness 140, warmth −10): no detector fires on it
        float[] cls = new float[WIDTH];
        for (int s = 0; s < SUBS; s++) {
            float[] grey = {(140 - 128) / UNIT, -10 / UNIT, 0};
            for (int t = 0; t < COLOURS; t++) {
                int ch = COLOUR + COLOURS * s + t;
                cls[ch] = grey[t] - offset[ch];
                cls[ch + SUBS * COLOURS] = -cls[ch];
            }
        }
        sd.put("visual.class_embedding", Tensor.ofFloats(new long[] {WIDTH}, cls));
        layerNorm(sd, "visual.ln_pre");
        layerNorm(sd, "visual.ln_post");
        // the patch features (ln_post of the taps) drop the pooled channels, which the V-V path spread to every patch;
        // the image feature (class token without ln_post, quirk 5.6) keeps them
        float[] post = sd.get("visual.ln_post.weight").floats();
        for (int ch = POOLED; ch < WIDTH; ch++) post[ch] = 0;
        sd.put("visual.ln_post.weight", Tensor.ofFloats(new long[] {WIDTH}, post));

        for (int b = 0; b < a.visionLayers(); b++) {
            String p = "visual.transformer.resblocks." + b + ".";
            layerNorm(sd, p + "ln_1");
            layerNorm(sd, p + "ln_2");
            float[] inProj = new float[3 * WIDTH * WIDTH];
            float[] outProj = new float[WIDTH * WIDTH];
            float[] fc = new float[4 * WIDTH * WIDTH];
            float[] fcBias = new float[4 * WIDTH];
            float[] cProj = new float[WIDTH * 4 * WIDTH];
            if (b == 0) {
                // block 0: no attention; the MLP runs the colour detectors on every sub-block.
                // Its input is ln_2(ln_pre(x)) = x / s0: colour feature f (units) reads as f / s0.
                for (int s = 0; s < SUBS; s++) {
                    for (int k = 0; k < DETECTORS; k++) {
                        Detector d = DETECTOR_DEFS[k];
                        int h = DETECTORS * s + k;
                        int ch = COLOUR + COLOURS * s + d.type();
                        // z = gain·(sign·(UNIT·f + CENTRE) − threshold)
                        fc[h * WIDTH + ch] = d.gain() * d.sign() * UNIT * s0;
                        fcBias[h] = d.gain() * (d.sign() * CENTRE[d.type()] - d.threshold());
                        cProj[(DETECTOR + k) * 4 * WIDTH + h] = DETECTOR_SCALE;
                        cProj[(DETECTOR_MIRROR + k) * 4 * WIDTH + h] = -DETECTOR_SCALE;
                    }
                }
            } else {
                // blocks 1..: q = k = 0, so attention is uniform and adds the image mean of v to every token.
                // Head 0 carries the detectors, head 1 the patch colours (mean over sub-blocks).
                int vRow = 2 * WIDTH;
                for (int k = 0; k < DETECTORS; k++) {
                    inProj[(vRow + k) * WIDTH + DETECTOR + k] = ALPHA;
                }
                int head1 = WIDTH / 2;
                for (int t = 0; t < COLOURS; t++) {
                    for (int s = 0; s < SUBS; s++) {
                        inProj[(vRow + head1 + t) * WIDTH + COLOUR + COLOURS * s + t] = COLOUR_POOL / SUBS;
                    }
                }
                for (int m = 0; m < POOLS; m++) {
                    int v = m < DETECTORS ? m : head1 + (m - DETECTORS);
                    outProj[(POOLED + m) * WIDTH + v] = BETA;
                    outProj[(POOLED_MIRROR + m) * WIDTH + v] = -BETA;
                }
            }
            sd.put(p + "attn.in_proj_weight", Tensor.ofFloats(new long[] {3 * WIDTH, WIDTH}, inProj));
            sd.put(p + "attn.in_proj_bias", Tensor.ofFloats(new long[] {3 * WIDTH}, new float[3 * WIDTH]));
            sd.put(p + "attn.out_proj.weight", Tensor.ofFloats(new long[] {WIDTH, WIDTH}, outProj));
            sd.put(p + "attn.out_proj.bias", Tensor.ofFloats(new long[] {WIDTH}, new float[WIDTH]));
            sd.put(p + "mlp.c_fc.weight", Tensor.ofFloats(new long[] {4 * WIDTH, WIDTH}, fc));
            sd.put(p + "mlp.c_fc.bias", Tensor.ofFloats(new long[] {4 * WIDTH}, fcBias));
            sd.put(p + "mlp.c_proj.weight", Tensor.ofFloats(new long[] {WIDTH, 4 * WIDTH}, cProj));
            sd.put(p + "mlp.c_proj.bias", Tensor.ofFloats(new long[] {WIDTH}, new float[WIDTH]));
        }

        sd.put("visual.proj", Tensor.ofFloats(new long[] {WIDTH, a.embedDim()}, projection(a.embedDim())));
    }

    /** visual.proj [128, E]: constant → e0, detector k and pooled detector k → e(1+k), pooled colours → e7..e9, patch colours → e10..e12. */
    private static float[] projection(int e) {
        float[] proj = new float[WIDTH * e];
        proj[CONST * e] = 0.05f;
        proj[(CONST + 1) * e] = -0.05f;
        for (int k = 0; k < DETECTORS; k++) {
            proj[(DETECTOR + k) * e + 1 + k] = 0.5f;
            proj[(DETECTOR_MIRROR + k) * e + 1 + k] = -0.5f;
        }
        for (int m = 0; m < POOLS; m++) {
            int dir = m < DETECTORS ? 1 + m : 7 + (m - DETECTORS);
            proj[(POOLED + m) * e + dir % e] = 0.5f;
            proj[(POOLED_MIRROR + m) * e + dir % e] = -0.5f;
        }
        for (int sb = 0; sb < SUBS; sb++) {
            for (int t = 0; t < COLOURS; t++) {
                int ch = COLOUR + COLOURS * sb + t;
                proj[ch * e + 10 + t] = COLOUR_GAIN / SUBS / 2;
                proj[(ch + SUBS * COLOURS) * e + 10 + t] = -COLOUR_GAIN / SUBS / 2;
            }
        }
        return proj;
    }

    private static int idx4(int o, int c, int y, int x) {
        return ((o * 3 + c) * PATCH + y) * PATCH + x;
    }

    private static void layerNorm(Map<String, Tensor> sd, String name) {
        float[] ones = new float[WIDTH];
        java.util.Arrays.fill(ones, 1f);
        sd.put(name + ".weight", Tensor.ofFloats(new long[] {WIDTH}, ones));
        sd.put(name + ".bias", Tensor.ofFloats(new long[] {WIDTH}, new float[WIDTH]));
    }
}
