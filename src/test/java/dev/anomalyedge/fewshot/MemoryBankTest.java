package dev.anomalyedge.fewshot;

import dev.anomalyedge.tensor.DType;
import dev.anomalyedge.tensor.Half;
import dev.anomalyedge.tensor.Npy;
import dev.anomalyedge.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MemoryBankTest {
    @TempDir
    Path tmp;

    /** A bank [K, N, E] of random unit rows. */
    static MemoryBank random(int k, int n, int e, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        short[] h = new short[k * n * e];
        for (int row = 0; row < k * n; row++) {
            double[] v = new double[e];
            double norm = 0;
            for (int i = 0; i < e; i++) norm += (v[i] = r.nextGaussian()) * v[i];
            for (int i = 0; i < e; i++) h[row * e + i] = Half.fromFloat((float) (v[i] / Math.sqrt(norm)));
        }
        return MemoryBank.ofHalf(k, n, e, h);
    }

    @Test
    void writesAndReadsAFloat16NpyWithItsFusionStatistics() throws IOException {
        MemoryBank bank = random(2, 5, 3, 1);
        Path file = tmp.resolve("bank.npy");
        bank.write(file);
        Tensor t = Npy.read(file);
        assertEquals(DType.F16, t.dtype());
        assertArrayEquals(new long[] {2, 5, 3}, t.shape());
        assertEquals(128 + 2 * 2 * 5 * 3, Files.size(file)); // 128-byte header, then 2 bytes a value
        MemoryBank back = MemoryBank.read(file);
        assertArrayEquals(bank.halfValues(), back.halfValues());
        assertNull(back.fusion());
        assertFalse(Files.exists(tmp.resolve("bank.npy.fusion.json")));

        MemoryBank.Fusion f = new MemoryBank.Fusion(0.5, 0.1, 0.2, 0.05, 0.4, 0.2, 0.1, 0.03, 0.1, 0.4, 0, 0.3);
        bank.withFusion(f).write(file);
        assertEquals(f, MemoryBank.read(file).fusion());
        assertTrue(MemoryBank.read(file).matches(2, 3));
        assertFalse(MemoryBank.read(file).matches(2, 4));

        Npy.writeFloat32(tmp.resolve("f32.npy"), new long[] {1, 2, 3}, new float[6]);
        IOException e = assertThrows(IOException.class, () -> MemoryBank.read(tmp.resolve("f32.npy")));
        assertTrue(e.getMessage().contains("float16 [K, N, E]"), e.getMessage());
    }

    @Test
    void leaveOutAndImagesSelectWholeImages() {
        MemoryBank bank = random(2, 6, 4, 2); // 3 images of 2 patches
        MemoryBank without1 = bank.leaveOut(3, 1);
        assertEquals(4, without1.size());
        for (int k = 0; k < 2; k++) {
            for (int i = 0; i < 4; i++) {
                assertEquals(bank.value(k, 0, i), without1.value(k, 0, i));
                assertEquals(bank.value(k, 4, i), without1.value(k, 2, i)); // image 2's first patch moved up
            }
        }
        assertEquals(bank.value(1, 3, 2), bank.images(3, 1, 2).value(1, 1, 2));
        assertThrows(IllegalArgumentException.class, () -> bank.leaveOut(1, 0));
    }

    @Test
    void joinPutsTheRowsOfEachPartAfterThoseBeforeItInEveryTap() {
        MemoryBank a = random(2, 3, 4, 5), b = random(2, 2, 4, 6);
        MemoryBank joined = MemoryBank.join(java.util.List.of(a, b));
        assertEquals(5, joined.size());
        for (int k = 0; k < 2; k++) {
            for (int i = 0; i < 4; i++) {
                for (int n = 0; n < 3; n++) assertEquals(a.value(k, n, i), joined.value(k, n, i));
                for (int n = 0; n < 2; n++) assertEquals(b.value(k, n, i), joined.value(k, 3 + n, i));
            }
        }
        assertArrayEquals(a.halfValues(), MemoryBank.join(java.util.List.of(a)).halfValues());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MemoryBank.join(java.util.List.of(a, random(2, 3, 5, 7))));
        assertTrue(e.getMessage().contains("different shapes"), e.getMessage());
    }

    @Test
    void asFeaturesGivesAnImagesRowsAsPatchTokensBehindAZeroClsToken() {
        MemoryBank bank = random(2, 6, 4, 8); // 3 images of 2 patches
        dev.anomalyedge.engine.AnomalyEngine.FeatureBatch f = bank.asFeatures(3, 1, 3); // images 1 and 2
        assertEquals(2, f.batch());
        assertEquals(3, f.tokens());
        assertEquals(2, f.taps());
        for (int k = 0; k < 2; k++) {
            for (int b = 0; b < 2; b++) {
                int base = (k * 2 + b) * 3 * 4;
                for (int i = 0; i < 4; i++) {
                    assertEquals(0f, f.patchFeatures()[base + i], "CLS");
                    for (int p = 0; p < 2; p++) assertEquals(bank.value(k, (1 + b) * 2 + p, i), f.patchFeatures()[base + (1 + p) * 4 + i]);
                }
            }
        }
        assertThrows(IllegalArgumentException.class, () -> bank.asFeatures(4, 0, 1)); // 6 rows are not 4 equal images
        assertThrows(IllegalArgumentException.class, () -> bank.asFeatures(3, 2, 4));
    }

    @Test
    void greedyCoresetKeepsTheDistinctRowsAndBoundsTheSize() {
        // 40 rows: 36 copies of one row and 4 distinct ones: a coreset of 5 keeps each distinct row (k-center covers them)
        MemoryBank distinct = random(1, 5, 16, 3);
        int n = 40, e = 16;
        short[] h = new short[n * e];
        short[] d = distinct.halfValues();
        for (int row = 0; row < n; row++) {
            int src = row < 36 ? 0 : row - 35;
            System.arraycopy(d, src * e, h, row * e, e);
        }
        MemoryBank bank = MemoryBank.ofHalf(1, n, e, h);
        MemoryBank core = bank.coreset(5);
        assertEquals(5, core.size());
        Set<Float> firsts = new HashSet<>();
        for (int r = 0; r < 5; r++) firsts.add(core.value(0, r, 0));
        Set<Float> expected = new HashSet<>();
        for (int r = 0; r < 5; r++) expected.add(distinct.value(0, r, 0));
        assertEquals(expected, firsts);
        assertSame(bank, bank.coreset(40));
        assertEquals(10, random(3, 100, 8, 4).coreset(10).size());
    }
}
