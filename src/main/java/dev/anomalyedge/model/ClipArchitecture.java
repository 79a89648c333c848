package dev.anomalyedge.model;

import dev.anomalyedge.weights.CheckpointException;
import dev.anomalyedge.weights.StateDict;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.TreeSet;

/**
 * CLIP dimensions, inferred from tensor shapes as the reference {@code build_model} does.
 *
 * @param visionWidth  Dv = visual.conv1.weight.shape[0]
 * @param visionLayers Lv = number of visual.transformer.resblocks.*.attn.in_proj_weight
 * @param visionHeads  Hv (default Dv/64)
 * @param patchSize    P = visual.conv1.weight.shape[-1]
 * @param storedGrid   G0 = round(sqrt(visual.positional_embedding.shape[0] - 1))
 * @param embedDim     E = text_projection.shape[1]
 * @param contextLength positional_embedding.shape[0] (77)
 * @param vocabSize    token_embedding.weight.shape[0]
 * @param textWidth    Dt = ln_final.weight.shape[0]
 * @param textLayers   Lt = number of distinct transformer.resblocks.i
 * @param textHeads    Ht (default Dt/64)
 */
public record ClipArchitecture(int visionWidth, int visionLayers, int visionHeads, int patchSize, int storedGrid,
                               int embedDim, int contextLength, int vocabSize, int textWidth, int textLayers,
                               int textHeads) {

    private static final Pattern VISION_BLOCK = Pattern.compile("^visual\\.transformer\\.resblocks\\.(\\d+)\\.attn\\.in_proj_weight$");
    private static final Pattern TEXT_BLOCK = Pattern.compile("^transformer\\.resblocks\\.(\\d+)\\.");

    public ClipArchitecture {
        check(visionHeads > 0 && visionWidth % visionHeads == 0,
                "vision width " + visionWidth + " is not divisible by " + visionHeads + " heads");
        check(textHeads > 0 && textWidth % textHeads == 0,
                "text width " + textWidth + " is not divisible by " + textHeads + " heads");
    }

    /** Stored resolution of the checkpoint (patch × grid), e.g. 336. */
    public int storedResolution() { return patchSize * storedGrid; }

    /**
     * Infers the architecture from a CLIP state dict; {@code visionHeads}/{@code textHeads} override the
     * width/64 default when not null.
     */
    public static ClipArchitecture infer(StateDict sd, Integer visionHeads, Integer textHeads) {
        long[] conv = sd.get("visual.conv1.weight").shape();
        if (conv.length != 4 || conv[1] != 3 || conv[2] != conv[3]) {
            throw new CheckpointException(sd.source() + ": key 'visual.conv1.weight' expected shape [Dv, 3, P, P] but found "
                    + java.util.Arrays.toString(conv));
        }
        int dv = (int) conv[0];
        int patch = (int) conv[3];
        TreeSet<Integer> vBlocks = new TreeSet<>();
        TreeSet<Integer> tBlocks = new TreeSet<>();
        for (String k : sd.keys()) {
            Matcher m = VISION_BLOCK.matcher(k);
            if (m.matches()) vBlocks.add(Integer.parseInt(m.group(1)));
            Matcher t = TEXT_BLOCK.matcher(k);
            if (t.find()) tBlocks.add(Integer.parseInt(t.group(1)));
        }
        if (vBlocks.isEmpty()) throw new CheckpointException(sd.source() + ": no 'visual.transformer.resblocks.<i>.attn.in_proj_weight' keys");
        if (tBlocks.isEmpty()) throw new CheckpointException(sd.source() + ": no 'transformer.resblocks.<i>.*' keys");
        checkContiguous(sd, "visual.transformer.resblocks", vBlocks);
        checkContiguous(sd, "transformer.resblocks", tBlocks);
        long[] pos = sd.get("visual.positional_embedding").shape();
        if (pos.length != 2 || pos[1] != dv) {
            throw new CheckpointException(sd.source() + ": key 'visual.positional_embedding' expected shape [1+G*G, " + dv
                    + "] but found " + java.util.Arrays.toString(pos));
        }
        int grid = (int) Math.round(Math.sqrt(pos[0] - 1));
        if ((long) grid * grid + 1 != pos[0]) {
            throw new CheckpointException(sd.source() + ": 'visual.positional_embedding' has " + pos[0]
                    + " rows, which is not 1 + a square grid");
        }
        long[] tp = sd.get("text_projection").shape();
        long[] tpos = sd.get("positional_embedding").shape();
        long[] tok = sd.get("token_embedding.weight").shape();
        long[] lnf = sd.get("ln_final.weight").shape();
        if (tp.length != 2 || tpos.length != 2 || tok.length != 2 || lnf.length != 1) {
            throw new CheckpointException(sd.source() + ": text tensors have unexpected ranks: text_projection "
                    + java.util.Arrays.toString(tp) + ", positional_embedding " + java.util.Arrays.toString(tpos)
                    + ", token_embedding.weight " + java.util.Arrays.toString(tok) + ", ln_final.weight " + java.util.Arrays.toString(lnf));
        }
        int dt = (int) lnf[0];
        int hv = visionHeads != null ? visionHeads : dv / 64;
        int ht = textHeads != null ? textHeads : dt / 64;
        if (hv == 0 || ht == 0) {
            throw new CheckpointException(sd.source() + ": width " + (hv == 0 ? dv : dt)
                    + " is below 64, so the width/64 head rule gives 0 heads: pass the head count explicitly");
        }
        return new ClipArchitecture(dv, vBlocks.size(), hv, patch, grid, (int) tp[1], (int) tpos[0], (int) tok[0], dt,
                tBlocks.size(), ht);
    }

    private static void checkContiguous(StateDict sd, String what, TreeSet<Integer> blocks) {
        if (blocks.first() != 0 || blocks.last() != blocks.size() - 1) {
            throw new CheckpointException(sd.source() + ": " + what + " indices are not 0.." + (blocks.size() - 1) + ": " + blocks);
        }
    }

    private static void check(boolean ok, String message) {
        if (!ok) throw new IllegalArgumentException(message);
    }
}
