package dev.anomalyedge.fewshot;

import dev.anomalyedge.engine.AnomalyEngine;
import dev.anomalyedge.tensor.Half;

import java.util.List;

/**
 * The patch features of k good reference images, per tap: row n of tap k is the L2-normalised projected patch token
 * (ln_post·proj, the features the zero-shot map uses; the CLS token is left out) of one reference patch. Stored as
 * float16 [K, N, E] to halve the memory (N = k·G² before any coreset reduction).
 */
public final class MemoryBank {
    private final int taps, size, embedDim;
    private final short[] half; // [K, N, E] float16 bits, rows unit length

    private MemoryBank(int taps, int size, int embedDim, short[] half) {
        if (taps < 1 || size < 1 || embedDim < 1 || half.length != (long) taps * size * embedDim) {
            throw new IllegalArgumentException("a memory bank [K=" + taps + ", N=" + size + ", E=" + embedDim + "] needs "
                    + (long) taps * size * embedDim + " values, got " + half.length);
        }
        this.taps = taps;
        this.size = size;
        this.embedDim = embedDim;
        this.half = half;
    }

    /** A bank of float16 rows [K, N, E] already normalised (e.g. read back from a file). */
    public static MemoryBank ofHalf(int taps, int size, int embedDim, short[] half) {
        return new MemoryBank(taps, size, embedDim, half.clone());
    }

    /** The bank of every patch token (CLS excluded) of every image of {@code batches}, normalised per row. */
    public static MemoryBank of(List<AnomalyEngine.FeatureBatch> batches) {
        if (batches.isEmpty()) throw new IllegalArgumentException("a memory bank needs at least one reference image");
        AnomalyEngine.FeatureBatch first = batches.get(0);
        int k = first.taps(), t = first.tokens(), e = first.embedDim();
        int images = 0;
        for (AnomalyEngine.FeatureBatch b : batches) {
            if (b.taps() != k || b.tokens() != t || b.embedDim() != e) {
                throw new IllegalArgumentException("reference features of different shapes: [K=" + k + ", T=" + t + ", E=" + e
                        + "] and [K=" + b.taps() + ", T=" + b.tokens() + ", E=" + b.embedDim() + "]");
            }
            images += b.batch();
        }
        int patches = t - 1;
        int n = Math.multiplyExact(images, patches);
        short[] out = new short[Math.toIntExact((long) k * n * e)];
        for (int tap = 0; tap < k; tap++) {
            int row = 0;
            for (AnomalyEngine.FeatureBatch b : batches) {
                float[] f = b.patchFeatures();
                for (int img = 0; img < b.batch(); img++) {
                    long base = ((long) tap * b.batch() + img) * t * e;
                    for (int tau = 1; tau < t; tau++, row++) {
                        int src = Math.toIntExact(base + (long) tau * e);
                        double norm = 0;
                        for (int i = 0; i < e; i++) norm += (double) f[src + i] * f[src + i];
                        double inv = norm == 0 ? 0 : 1 / Math.sqrt(norm);
                        int dst = Math.toIntExact(((long) tap * n + row) * e);
                        for (int i = 0; i < e; i++) out[dst + i] = Half.fromFloat((float) (f[src + i] * inv));
                    }
                }
            }
        }
        return new MemoryBank(k, n, e, out);
    }

    /** K, the number of taps. */
    public int taps() { return taps; }

    /** N, the number of reference patches per tap. */
    public int size() { return size; }

    /** E, the embedding dimension. */
    public int embedDim() { return embedDim; }

    /** Bytes the bank holds (float16 storage). */
    public long bytes() { return 2L * half.length; }

    /** A copy of the float16 rows [K, N, E]. */
    public short[] halfValues() { return half.clone(); }

    /** Row {@code n} of tap {@code k}, value {@code i}, as float32. */
    public float value(int k, int n, int i) {
        return Half.toFloat(half[(k * size + n) * embedDim + i]);
    }

    /** The bank as float32 [K, N, E] (what an engine consumes). */
    public float[] floats() {
        float[] out = new float[half.length];
        for (int i = 0; i < half.length; i++) out[i] = Half.toFloat(half[i]);
        return out;
    }
}
