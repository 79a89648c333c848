package dev.anomalyedge.model;

import dev.anomalyedge.tensor.Tensor;
import dev.anomalyedge.weights.CheckpointException;
import dev.anomalyedge.weights.StateDict;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClipArchitectureTest {
    /** The shapes of a small CLIP state dict (no values needed): Dv 128, P 16, G0 3, Lv 3, Dt 64, Lt 2, E 32. */
    private static Map<String, Tensor> clip() {
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("visual.conv1.weight", zeros(128, 3, 16, 16));
        m.put("visual.positional_embedding", zeros(10, 128));
        for (int b = 0; b < 3; b++) m.put("visual.transformer.resblocks." + b + ".attn.in_proj_weight", zeros(384, 128));
        m.put("visual.transformer.resblocks.0.attn.out_proj.weight", zeros(128, 128)); // other keys do not count blocks
        for (int b = 0; b < 2; b++) m.put("transformer.resblocks." + b + ".ln_1.weight", zeros(64));
        m.put("text_projection", zeros(64, 32));
        m.put("positional_embedding", zeros(77, 64));
        m.put("token_embedding.weight", zeros(49408, 1));
        m.put("ln_final.weight", zeros(64));
        return m;
    }

    private static Tensor zeros(long... shape) {
        return Tensor.ofFloats(shape, new float[Math.toIntExact(Tensor.numel(shape))]);
    }

    private static ClipArchitecture infer(Map<String, Tensor> m, Integer visionHeads, Integer textHeads) {
        return ClipArchitecture.infer(new StateDict("clip.safetensors", m), visionHeads, textHeads);
    }

    @Test
    void infersEveryDimensionFromTheShapesAsBuildModelDoes() {
        ClipArchitecture a = infer(clip(), null, null);
        assertEquals(new ClipArchitecture(128, 3, 2, 16, 3, 32, 77, 49408, 64, 2, 1), a);
        assertEquals(48, a.storedResolution(), "patch 16 × grid 3");
        assertEquals(4, infer(clip(), 4, 2).visionHeads(), "explicit heads override width/64");
        assertEquals(2, infer(clip(), 4, 2).textHeads());
    }

    @Test
    void headsMustDivideTheWidth() {
        assertEquals("vision width 128 is not divisible by 3 heads", assertThrows(IllegalArgumentException.class,
                () -> infer(clip(), 3, null)).getMessage());
        assertEquals("text width 64 is not divisible by 0 heads", assertThrows(IllegalArgumentException.class,
                () -> new ClipArchitecture(128, 3, 2, 16, 3, 32, 77, 49408, 64, 2, 0)).getMessage());
    }

    @Test
    void aNarrowModelNeedsExplicitHeads() {
        Map<String, Tensor> m = clip();
        m.put("ln_final.weight", zeros(32));
        String msg = assertThrows(CheckpointException.class, () -> infer(m, null, null)).getMessage();
        assertTrue(msg.contains("width 32 is below 64") && msg.contains("pass the head count explicitly"), msg);
        assertEquals(32, infer(m, null, 1).textWidth());
    }

    @Test
    void badShapesAndMissingBlocksSayWhatIsWrong() {
        Map<String, Tensor> conv = clip();
        conv.put("visual.conv1.weight", zeros(128, 1, 16, 16));
        assertMessage(conv, "clip.safetensors: key 'visual.conv1.weight' expected shape [Dv, 3, P, P] but found [128, 1, 16, 16]");

        Map<String, Tensor> pos = clip();
        pos.put("visual.positional_embedding", zeros(11, 128));
        assertMessage(pos, "clip.safetensors: 'visual.positional_embedding' has 11 rows, which is not 1 + a square grid");
        pos.put("visual.positional_embedding", zeros(10, 64));
        assertMessage(pos, "clip.safetensors: key 'visual.positional_embedding' expected shape [1+G*G, 128] but found [10, 64]");

        Map<String, Tensor> gap = clip();
        gap.remove("visual.transformer.resblocks.1.attn.in_proj_weight");
        assertMessage(gap, "clip.safetensors: visual.transformer.resblocks indices are not 0..1: [0, 2]");

        Map<String, Tensor> noText = clip();
        noText.keySet().removeIf(k -> k.startsWith("transformer."));
        assertMessage(noText, "clip.safetensors: no 'transformer.resblocks.<i>.*' keys");

        Map<String, Tensor> rank = clip();
        rank.put("ln_final.weight", zeros(64, 1));
        assertTrue(assertThrows(CheckpointException.class, () -> infer(rank, null, null)).getMessage().contains("text tensors have unexpected ranks"));
    }

    private static void assertMessage(Map<String, Tensor> m, String expected) {
        assertEquals(expected, assertThrows(CheckpointException.class, () -> infer(m, null, null)).getMessage());
    }
}
