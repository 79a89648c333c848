package dev.anomalyedge.fewshot;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.anomalyedge.engine.AnomalyEngine;
import dev.anomalyedge.tensor.DType;
import dev.anomalyedge.tensor.Half;
import dev.anomalyedge.tensor.Npy;
import dev.anomalyedge.tensor.Tensor;

import java.io.IOException;
import java.nio.ShortBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The patch features of k good reference images, per tap: row n of tap k is the L2-normalised projected patch token
 * (ln_post·proj, the features the zero-shot map uses; the CLS token is left out) of one reference patch. Stored as
 * float16 [K, N, E] to halve the memory (N = k·G² before any coreset reduction).
 */
public final class MemoryBank {
    private final int taps, size, embedDim;
    private final short[] half; // [K, N, E] float16 bits, rows unit length
    private final Fusion fusion; // null until the references were scored (FewShotScorer.bank)

    /**
     * How the two signals of the references themselves are distributed, for the fused score (see
     * {@link FewShotScorer#references}): means and standard deviations of the reference images' zero-shot image
     * scores and map pixels and of their few-shot scores and map pixels (each reference searched against the bank of
     * the others), and the two signals' weights in the fused score and map.
     */
    public record Fusion(double zsScoreMean, double zsScoreStd, double fsScoreMean, double fsScoreStd,
                         double zsPixelMean, double zsPixelStd, double fsPixelMean, double fsPixelStd,
                         double zsScoreWeight, double fsScoreWeight, double zsPixelWeight, double fsPixelWeight) {
        public Fusion {
            double[] all = {zsScoreMean, zsScoreStd, fsScoreMean, fsScoreStd, zsPixelMean, zsPixelStd, fsPixelMean, fsPixelStd,
                    zsScoreWeight, fsScoreWeight, zsPixelWeight, fsPixelWeight};
            for (double v : all) {
                if (!Double.isFinite(v)) throw new IllegalArgumentException("fusion statistics must be finite: " + Arrays.toString(all));
            }
            if (zsScoreWeight < 0 || fsScoreWeight < 0 || zsPixelWeight < 0 || fsPixelWeight < 0) {
                throw new IllegalArgumentException("fusion weights must be >= 0: " + Arrays.toString(all));
            }
        }
    }

    private MemoryBank(int taps, int size, int embedDim, short[] half) {
        this(taps, size, embedDim, half, null);
    }

    private MemoryBank(int taps, int size, int embedDim, short[] half, Fusion fusion) {
        if (taps < 1 || size < 1 || embedDim < 1 || half.length != (long) taps * size * embedDim) {
            throw new IllegalArgumentException("a memory bank [K=" + taps + ", N=" + size + ", E=" + embedDim + "] needs "
                    + (long) taps * size * embedDim + " values, got " + half.length);
        }
        this.taps = taps;
        this.size = size;
        this.embedDim = embedDim;
        this.half = half;
        this.fusion = fusion;
    }

    /** This bank with the references' {@link Fusion} statistics. */
    public MemoryBank withFusion(Fusion stats) {
        return new MemoryBank(taps, size, embedDim, half, stats);
    }

    /** The references' statistics for the fused score, null when not measured. */
    public Fusion fusion() { return fusion; }

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

    /**
     * The banks of {@code parts} one after the other (rows of part 0 first, per tap), e.g. banks built batch by batch so
     * that only one batch's float32 features are held at a time. Fusion statistics are not carried over.
     */
    public static MemoryBank join(List<MemoryBank> parts) {
        if (parts.isEmpty()) throw new IllegalArgumentException("a memory bank needs at least one reference image");
        MemoryBank first = parts.get(0);
        int n = 0;
        for (MemoryBank p : parts) {
            if (p.taps != first.taps || p.embedDim != first.embedDim) {
                throw new IllegalArgumentException("banks of different shapes: [K=" + first.taps + ", E=" + first.embedDim + "] and [K="
                        + p.taps + ", E=" + p.embedDim + "]");
            }
            n = Math.addExact(n, p.size);
        }
        int e = first.embedDim;
        short[] out = new short[Math.toIntExact((long) first.taps * n * e)];
        for (int k = 0; k < first.taps; k++) {
            int row = 0;
            for (MemoryBank p : parts) {
                System.arraycopy(p.half, k * p.size * e, out, (k * n + row) * e, p.size * e);
                row += p.size;
            }
        }
        return new MemoryBank(first.taps, n, e, out);
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

    /** The float16 rows [K, N, E] as a read-only view (no copy), e.g. to feed an engine. */
    public ShortBuffer halfBuffer() {
        return ShortBuffer.wrap(half).asReadOnlyBuffer();
    }

    /** Whether this bank fits a model with {@code taps} feature taps of dimension {@code embedDim}. */
    public boolean matches(int taps, int embedDim) {
        return this.taps == taps && this.embedDim == embedDim;
    }

    /** The bank of the patches of images {@code [from, to)} of a bank of {@code images} equal-sized images (N = images·P). */
    public MemoryBank images(int images, int from, int to) {
        if (images < 1 || size % images != 0 || from < 0 || to > images || from >= to) {
            throw new IllegalArgumentException("images [" + from + ", " + to + ") of " + images + " in a bank of N=" + size);
        }
        int per = size / images;
        int[] rows = new int[(to - from) * per];
        for (int i = 0; i < rows.length; i++) rows[i] = from * per + i;
        return rows(rows);
    }

    /**
     * The rows of images {@code [from, to)} of a bank of {@code images} equal-sized images as the engine's patch features
     * [K, B = to − from, T = P + 1, E] (the CLS token and the image features zero: the bank search reads patch tokens
     * only), so that a reference can be searched against the other references without running the vision tower
     * again. The rows are the bank's: unit length, float16-rounded.
     */
    public AnomalyEngine.FeatureBatch asFeatures(int images, int from, int to) {
        if (images < 1 || size % images != 0 || from < 0 || to > images || from >= to) {
            throw new IllegalArgumentException("images [" + from + ", " + to + ") of " + images + " in a bank of N=" + size);
        }
        int per = size / images, batch = to - from, tokens = per + 1;
        float[] patches = new float[Math.toIntExact((long) taps * batch * tokens * embedDim)];
        for (int k = 0; k < taps; k++) {
            for (int b = 0; b < batch; b++) {
                for (int p = 0; p < per; p++) {
                    int src = (k * size + (from + b) * per + p) * embedDim, dst = ((k * batch + b) * tokens + 1 + p) * embedDim;
                    for (int i = 0; i < embedDim; i++) patches[dst + i] = Half.toFloat(half[src + i]);
                }
            }
        }
        return new AnomalyEngine.FeatureBatch(batch, taps, tokens, embedDim, patches, new float[batch * embedDim]);
    }

    /** The bank of every image but {@code left} of a bank of {@code images} equal-sized images. */
    public MemoryBank leaveOut(int images, int left) {
        if (images < 2 || size % images != 0 || left < 0 || left >= images) {
            throw new IllegalArgumentException("leaving image " + left + " out of " + images + " in a bank of N=" + size);
        }
        int per = size / images;
        int[] rows = new int[size - per];
        for (int i = 0, r = 0; i < size; i++) if (i / per != left) rows[r++] = i;
        return rows(rows);
    }

    /** The bank of rows {@code rows} (each in [0, N), in that order) of every tap, with this bank's fusion statistics. */
    public MemoryBank rows(int[] rows) {
        for (int r : rows) {
            if (r < 0 || r >= size) throw new IllegalArgumentException("row " + r + " of a bank of N=" + size);
        }
        if (rows.length == 0) throw new IllegalArgumentException("a memory bank needs at least one row");
        short[] out = new short[taps * rows.length * embedDim];
        for (int k = 0; k < taps; k++) {
            for (int i = 0; i < rows.length; i++) {
                System.arraycopy(half, (k * size + rows[i]) * embedDim, out, (k * rows.length + i) * embedDim, embedDim);
            }
        }
        return new MemoryBank(taps, rows.length, embedDim, out, fusion);
    }

    /**
     * At most {@code maxPatches} rows chosen by greedy k-center (coreset) selection, the same rows for every tap: start
     * from row 0, then repeatedly add the row farthest from those chosen. Distances are measured on a seeded random
     * projection of the rows of all taps to 128 dimensions (Johnson–Lindenstrauss, as PatchCore does), which keeps the
     * selection O(N·maxPatches·128). Returns this bank when it already fits.
     */
    public MemoryBank coreset(int maxPatches) {
        return size <= maxPatches ? this : rows(coresetRows(maxPatches));
    }

    /** The rows {@link #coreset} keeps, ascending (every row when the bank already fits). */
    public int[] coresetRows(int maxPatches) {
        if (maxPatches < 1) throw new IllegalArgumentException("a coreset needs at least 1 patch, got " + maxPatches);
        if (size <= maxPatches) {
            int[] all = new int[size];
            for (int i = 0; i < size; i++) all[i] = i;
            return all;
        }
        int dims = 128, in = taps * embedDim;
        SplittableRandom random = new SplittableRandom(0x5eed);
        float[] proj = new float[in * dims];
        for (int i = 0; i < proj.length; i++) proj[i] = (float) (random.nextGaussian() / Math.sqrt(dims));
        float[] p = new float[size * dims];                                  // [N, 128]
        float[] row = new float[in];
        for (int n = 0; n < size; n++) {
            for (int k = 0; k < taps; k++) {
                for (int i = 0; i < embedDim; i++) row[k * embedDim + i] = Half.toFloat(half[(k * size + n) * embedDim + i]);
            }
            for (int j = 0; j < dims; j++) {
                double v = 0;
                for (int i = 0; i < in; i++) v += row[i] * proj[i * dims + j];
                p[n * dims + j] = (float) v;
            }
        }
        double[] nearest = new double[size];
        Arrays.fill(nearest, Double.POSITIVE_INFINITY);
        int[] chosen = new int[maxPatches];
        int next = 0;
        for (int c = 0; c < maxPatches; c++) {
            chosen[c] = next;
            int far = 0;
            for (int n = 0; n < size; n++) {
                double d = 0;
                for (int j = 0; j < dims; j++) {
                    double x = p[n * dims + j] - p[next * dims + j];
                    d += x * x;
                }
                if (d < nearest[n]) nearest[n] = d;
                if (nearest[n] > nearest[far]) far = n;
            }
            next = far;
        }
        Arrays.sort(chosen);
        return chosen;
    }

    /**
     * Writes the rows as a float16 {@code .npy} [K, N, E] and, when measured, the fusion statistics beside it
     * ({@code file + ".fusion.json"}). Which model the bank belongs to is the caller's to record.
     */
    public void write(Path file) throws IOException {
        Npy.writeFloat16(file, new long[] {taps, size, embedDim}, half);
        Path stats = fusionFile(file);
        if (fusion != null) Files.writeString(stats, JSON.writeValueAsString(fusion));
        else Files.deleteIfExists(stats);
    }

    /** Reads a bank written by {@link #write}: a float16 {@code .npy} [K, N, E] (and its fusion statistics when present). */
    public static MemoryBank read(Path file) throws IOException {
        Tensor t = Npy.read(file);
        if (t.dtype() != DType.F16 || t.shape().length != 3) {
            throw new IOException(file + ": a memory bank is a float16 [K, N, E] array, found " + t.dtype() + " " + t.shapeString());
        }
        float[] v = t.floats();
        short[] h = new short[v.length];
        for (int i = 0; i < v.length; i++) h[i] = Half.fromFloat(v[i]);  // exact: the values came from float16
        Fusion stats = null;
        Path statsFile = fusionFile(file);
        if (Files.isRegularFile(statsFile)) {
            JsonNode n = JSON.readTree(statsFile.toFile());
            try {
                stats = JSON.treeToValue(n, Fusion.class);
            } catch (IOException | IllegalArgumentException e) {
                throw new IOException(statsFile + ": unreadable fusion statistics: " + e.getMessage(), e);
            }
        }
        try {
            return new MemoryBank((int) t.dim(0), (int) t.dim(1), (int) t.dim(2), h, stats);
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    private static Path fusionFile(Path file) {
        return file.resolveSibling(file.getFileName() + ".fusion.json");
    }

    private static final ObjectMapper JSON = new ObjectMapper();
}
