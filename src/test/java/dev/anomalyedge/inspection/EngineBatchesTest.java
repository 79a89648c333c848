package dev.anomalyedge.inspection;

import dev.anomalyedge.engine.AnomalyEngine;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Packing per-image inputs into the engine's batch layout and running them in bounded chunks. */
class EngineBatchesTest {
    static final int S = 2;
    static final int PER = 3 * S * S;

    /** An input [3, S, S] whose values are {@code image·100 + position}, so any misplaced value shows. */
    static float[] tensor(int image) {
        float[] t = new float[PER];
        for (int i = 0; i < PER; i++) t[i] = image * 100 + i;
        return t;
    }

    static List<float[]> tensors(int n) {
        List<float[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(tensor(i));
        return out;
    }

    @Test
    void packingPutsEachImageInItsSlotOfTheBatch() {
        float[] batch = EngineBatches.pack(tensors(3), S);
        assertEquals(AnomalyEngine.inputLength(3, S), batch.length, "[B, 3, S, S]");
        for (int b = 0; b < 3; b++) {
            for (int i = 0; i < PER; i++) assertEquals(b * 100 + i, batch[b * PER + i], 0, "image " + b + " value " + i);
        }
        assertEquals(0, EngineBatches.pack(List.of(), S).length);
    }

    @Test
    void anInputOfTheWrongSizeIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> EngineBatches.pack(List.of(tensor(0), new float[PER - 1]), S));
        assertEquals("image 1 has 11 values, a [3, 2, 2] input has 12", e.getMessage());
    }

    @Test
    void scoresComeBackInOrderFromChunksOfAtMostTheMaximum() {
        FakeEngine engine = new FakeEngine(S);
        List<EngineBatches.Scored> scored = EngineBatches.score(engine, tensors(7), 3);
        assertEquals(List.of(3, 3, 1), engine.batches);
        assertEquals(7, scored.size());
        for (int i = 0; i < 7; i++) {
            assertEquals(i * 100, scored.get(i).score(), 0, "the fake engine scores the first input value");
            assertArrayEquals(new float[] {i * 100, i * 100, i * 100, i * 100}, scored.get(i).map());
        }
    }

    @Test
    void featuresComeBackAsOneBatchPerEngineCall() {
        FakeEngine engine = new FakeEngine(S);
        List<AnomalyEngine.FeatureBatch> batches = EngineBatches.features(engine, tensors(5), 2);
        assertEquals(List.of(2, 2, 1), engine.batches);
        assertArrayEquals(new float[] {0, 100}, batches.get(0).imageFeatures());
        assertArrayEquals(new float[] {200, 300}, batches.get(1).imageFeatures());
        assertArrayEquals(new float[] {400}, batches.get(2).imageFeatures());
    }

    @Test
    void chunksAreConsecutiveAndBounded() {
        assertEquals(List.of(List.of(1, 2), List.of(3, 4), List.of(5)), EngineBatches.chunks(List.of(1, 2, 3, 4, 5), 2));
        assertEquals(List.of(), EngineBatches.chunks(List.of(), 4));
        assertThrows(IllegalArgumentException.class, () -> EngineBatches.chunks(List.of(1), 0));
    }
}
