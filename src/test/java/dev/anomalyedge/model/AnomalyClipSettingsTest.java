package dev.anomalyedge.model;

import dev.anomalyedge.model.AnomalyClipSettings.TapReduction;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AnomalyClipSettingsTest {
    /** ViT-L/14@336: 24 vision blocks of 1024, 12 text blocks of 768, context 77. */
    static final ClipArchitecture VIT_L = new ClipArchitecture(1024, 24, 16, 14, 24, 768, 77, 49408, 768, 12, 12);

    private static AnomalyClipSettings with(List<Integer> taps, int dpam, List<Integer> dpamBlocks, int nCtx, int depth, int tNCtx,
                                            TapReduction reduction) {
        return new AnomalyClipSettings(518, taps, dpam, dpamBlocks, nCtx, depth, tNCtx, 4, reduction);
    }

    @Test
    void theDefaultsAreTheOfficialCode() {
        AnomalyClipSettings d = AnomalyClipSettings.defaults();
        assertEquals(518, d.imageSize());
        assertEquals(List.of(6, 12, 18, 24), d.featuresList());
        assertEquals(20, d.dpamLayer());
        assertEquals(List.of(), d.dpamBlocks());
        assertEquals(12, d.nCtx());
        assertEquals(9, d.depth());
        assertEquals(4, d.tNCtx());
        assertEquals(4.0, d.sigma());
        assertEquals(TapReduction.SUM, d.tapReduction());
        assertEquals(0.07, AnomalyClipSettings.TEMPERATURE);
        assertEquals(37, d.grid(VIT_L), "518 / 14");
        d.validate(VIT_L);
    }

    @Test
    void theMapReachesTheNumberOfTapsWhenSummedAndOneWhenAveraged() {
        assertEquals(4.0, AnomalyClipSettings.defaults().mapUpperBound());
        assertEquals(1.0, with(List.of(24), 20, List.of(), 12, 9, 4, TapReduction.SUM).mapUpperBound());
        assertEquals(1.0, with(List.of(6, 12, 18, 24), 20, List.of(), 12, 9, 4, TapReduction.MEAN).mapUpperBound());
    }

    @Test
    void dpamLayerTwentyMakesTheLastNineteenBlocksDpam() {
        AnomalyClipSettings d = AnomalyClipSettings.defaults();
        assertFalse(d.isDpamBlock(4, 24), "0-based block 4 = 1-based block 5");
        assertTrue(d.isDpamBlock(5, 24), "0-based block 5 = 1-based block 6");
        assertTrue(d.isDpamBlock(23, 24));
        List<Integer> expected = new ArrayList<>();
        for (int b = 6; b <= 24; b++) expected.add(b);
        assertEquals(expected, d.dpamBlocksFor(24));
        assertEquals(List.of(2, 3, 4), with(List.of(4), 4, List.of(), 2, 2, 1, TapReduction.SUM).dpamBlocksFor(4), "last dpam−1 blocks");
    }

    @Test
    void anExplicitDpamBlockListWins() {
        AnomalyClipSettings mission = with(List.of(6, 12), 20, List.of(6, 7, 8, 9, 10, 11), 12, 9, 4, TapReduction.MEAN);
        assertEquals(List.of(6, 7, 8, 9, 10, 11), mission.dpamBlocksFor(24));
        assertTrue(mission.isDpamBlock(5, 24));
        assertFalse(mission.isDpamBlock(11, 24), "1-based 12 is not listed");
        assertEquals(1, with(List.of(2), 1, List.of(2), 1, 1, 0, TapReduction.SUM).dpamBlocksFor(4).size(), "dpam 1 is fine with a list");
    }

    @Test
    void theConstructorRejectsImpossibleSettings() {
        assertEquals("image size must be positive, got 0", assertThrows(IllegalArgumentException.class,
                () -> new AnomalyClipSettings(0, List.of(24), 20, List.of(), 12, 9, 4, 4, TapReduction.SUM)).getMessage());
        assertEquals("features list must name at least one block", assertThrows(IllegalArgumentException.class,
                () -> with(List.of(), 20, List.of(), 12, 9, 4, TapReduction.SUM)).getMessage());
        assertEquals("dpam must be >= 2 (the reference crashes with DPAM_layer=1), got 1", assertThrows(IllegalArgumentException.class,
                () -> with(List.of(24), 1, List.of(), 12, 9, 4, TapReduction.SUM)).getMessage());
        assertEquals("invalid prompt settings n_ctx=3 depth=9 t_n_ctx=4", assertThrows(IllegalArgumentException.class,
                () -> with(List.of(24), 20, List.of(), 3, 9, 4, TapReduction.SUM)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> with(List.of(24), 20, List.of(), 0, 9, 0, TapReduction.SUM));
        assertThrows(IllegalArgumentException.class, () -> with(List.of(24), 20, List.of(), 12, 0, 4, TapReduction.SUM));
        assertThrows(IllegalArgumentException.class, () -> with(List.of(24), 20, List.of(), 12, 9, -1, TapReduction.SUM));
        assertEquals("sigma must be >= 0, got -1.0", assertThrows(IllegalArgumentException.class,
                () -> new AnomalyClipSettings(518, List.of(24), 20, List.of(), 12, 9, 4, -1, TapReduction.SUM)).getMessage());
        new AnomalyClipSettings(518, List.of(24), 20, List.of(), 12, 9, 4, 0, TapReduction.SUM); // sigma 0: no smoothing
    }

    @Test
    void theListsAreCopied() {
        List<Integer> taps = new ArrayList<>(List.of(6, 24));
        AnomalyClipSettings s = with(taps, 20, List.of(), 12, 9, 4, TapReduction.SUM);
        taps.add(12);
        assertEquals(List.of(6, 24), s.featuresList());
        assertThrows(UnsupportedOperationException.class, () -> s.featuresList().add(1));
    }

    @Test
    void validateChecksTheSettingsAgainstTheArchitecture() {
        assertEquals("features list entry 25 is outside blocks 1..24", assertThrows(IllegalArgumentException.class,
                () -> with(List.of(25), 20, List.of(), 12, 9, 4, TapReduction.SUM).validate(VIT_L)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> with(List.of(0), 20, List.of(), 12, 9, 4, TapReduction.SUM).validate(VIT_L));
        assertEquals("DPAM block 30 is outside blocks 1..24", assertThrows(IllegalArgumentException.class,
                () -> with(List.of(24), 20, List.of(30), 12, 9, 4, TapReduction.SUM).validate(VIT_L)).getMessage());
        assertEquals("dpam 26 asks for 25 DPAM blocks but the model has 24", assertThrows(IllegalArgumentException.class,
                () -> with(List.of(24), 26, List.of(), 12, 9, 4, TapReduction.SUM).validate(VIT_L)).getMessage());
        with(List.of(24), 25, List.of(), 12, 9, 4, TapReduction.SUM).validate(VIT_L); // every block DPAM
        assertEquals("image size 10 is smaller than the patch size 14", assertThrows(IllegalArgumentException.class,
                () -> new AnomalyClipSettings(10, List.of(24), 20, List.of(), 12, 9, 4, 4, TapReduction.SUM).validate(VIT_L)).getMessage());
        assertEquals("depth 13 needs 12 deep-prompt blocks after block 0 but the text model has 12 blocks",
                assertThrows(IllegalArgumentException.class, () -> with(List.of(24), 20, List.of(), 12, 13, 4, TapReduction.SUM).validate(VIT_L))
                        .getMessage());
        with(List.of(24), 20, List.of(), 12, 12, 4, TapReduction.SUM).validate(VIT_L); // deep prompts in blocks 1..11
        assertEquals("n_ctx 74 does not fit the context length 77", assertThrows(IllegalArgumentException.class,
                () -> with(List.of(24), 20, List.of(), 74, 9, 4, TapReduction.SUM).validate(VIT_L)).getMessage());
        with(List.of(24), 20, List.of(), 73, 9, 4, TapReduction.SUM).validate(VIT_L); // SOT + 73 + word, period, EOT = 77
    }
}
