package dev.anomalyedge.engine.trt;

import dev.anomalyedge.engine.AnomalyEngine;
import dev.anomalyedge.engine.AnomalyEngine.ScoreBatch;
import dev.anomalyedge.engine.EngineException;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Measures how far one {@link AnomalyEngine} (TensorRT FP16) deviates from a reference (ONNX Runtime FP32) on the
 * same images, and times engines per batch size: the arithmetic of the GPU check. It works on any two engines; the
 * {@code trt-parity} command ({@code cli.TrtParityCommand}) opens the bundle's two engines and calls it, so this
 * package never depends on ONNX Runtime.
 *
 * <p>The FP16 map tolerance has not been measured on the full-size model yet, so the comparison reports the
 * distribution of the deviations (max, mean and percentiles over every map pixel and every score) next to the
 * provisional tolerances instead of a pass/fail verdict.
 */
public final class TrtParity {
    /** Provisional acceptance, to be derived from measurements: max |map_trt − map_ort| and max |score_trt − score_ort|. */
    public static final double MAP_TOLERANCE = 2e-2, SCORE_TOLERANCE = 1e-2;

    /**
     * The distribution of absolute differences |candidate − reference| over {@code count} values (NaN counts as +∞).
     *
     * @param nonFinite how many differences were NaN or infinite
     */
    public record Deviation(long count, long nonFinite, double max, double mean, double p50, double p90, double p99, double p999) {
        /** From the differences (sorted in place). */
        static Deviation of(float[] diffs) {
            if (diffs.length == 0) return new Deviation(0, 0, 0, 0, 0, 0, 0, 0);
            long bad = 0;
            double sum = 0;
            for (int i = 0; i < diffs.length; i++) {
                if (!Float.isFinite(diffs[i])) {
                    diffs[i] = Float.POSITIVE_INFINITY;
                    bad++;
                } else {
                    sum += diffs[i];
                }
            }
            Arrays.sort(diffs);
            long finite = diffs.length - bad;
            return new Deviation(diffs.length, bad, diffs[diffs.length - 1], finite == 0 ? Double.NaN : sum / finite, quantile(diffs, 0.5),
                    quantile(diffs, 0.9), quantile(diffs, 0.99), quantile(diffs, 0.999));
        }

        /** The value at rank ceil(q·n) of sorted values (nearest rank). */
        static double quantile(float[] sorted, double q) {
            int rank = (int) Math.ceil(q * sorted.length);
            return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "max %.3e, mean %.3e, p50 %.3e, p90 %.3e, p99 %.3e, p99.9 %.3e over %d values%s", max, mean, p50,
                    p90, p99, p999, count, nonFinite > 0 ? " (" + nonFinite + " NaN/inf)" : "");
        }
    }

    /** The deviations of the maps (every pixel) and the scores over all compared images. */
    public record Parity(int images, Deviation map, Deviation score) {
        public double maxMapDiff() {
            return map.max();
        }

        public double maxScoreDiff() {
            return score.max();
        }

        /** Whether all differences are finite (no NaN or infinity from the candidate). */
        public boolean finite() {
            return map.nonFinite() == 0 && score.nonFinite() == 0;
        }

        /** Against the provisional tolerances; informative until they are derived from measurements. */
        public boolean within(double mapTolerance, double scoreTolerance) {
            return maxMapDiff() <= mapTolerance && maxScoreDiff() <= scoreTolerance;
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%d images: |Δ map| %s; |Δ score| %s; provisional tolerance max |Δ map| <= %.0e, max |Δ score| <= %.0e: %s",
                    images, map, score, MAP_TOLERANCE, SCORE_TOLERANCE, within(MAP_TOLERANCE, SCORE_TOLERANCE) ? "within" : "outside");
        }
    }

    /** Mean wall time per image of {@code iterations} runs at one batch size. */
    public record Timing(String backend, int batch, int iterations, double msPerImage) {}

    private TrtParity() {}

    /** Where TensorRT's builder resource for this GPU was found (or why not), for the report. */
    public static String builderResource(TrtAvailability trt) {
        return BuilderResources.locate(trt).describe();
    }

    /** Scores {@code count} images with both engines in batches of {@code batch}; returns the distribution of the differences. */
    public static Parity compare(AnomalyEngine reference, AnomalyEngine candidate, float[] images, int count, int batch) {
        if (reference.imageSize() != candidate.imageSize()) {
            throw new EngineException("engines disagree on the image size: " + reference.imageSize() + " vs " + candidate.imageSize());
        }
        int s = reference.imageSize();
        long perImage = AnomalyEngine.inputLength(1, s);
        if (images.length != perImage * count) throw new EngineException("need " + perImage * count + " floats for " + count + " images, got " + images.length);
        float[] mapDiffs = new float[Math.multiplyExact(count, s * s)], scoreDiffs = new float[count];
        for (int start = 0; start < count; start += batch) {
            int b = Math.min(batch, count - start);
            float[] chunk = Arrays.copyOfRange(images, Math.toIntExact(start * perImage), Math.toIntExact((start + b) * perImage));
            ScoreBatch r = reference.score(chunk, b), c = candidate.score(chunk, b);
            absDiffs(r.scores(), c.scores(), scoreDiffs, start);
            absDiffs(r.maps(), c.maps(), mapDiffs, start * s * s);
        }
        return new Parity(count, Deviation.of(mapDiffs), Deviation.of(scoreDiffs));
    }

    /** The largest |a − b|; NaN counts as infinite. */
    static double maxAbsDiff(float[] a, float[] b) {
        if (a.length != b.length) throw new EngineException("outputs differ in length: " + a.length + " vs " + b.length);
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            double d = Math.abs((double) a[i] - b[i]);
            if (Double.isNaN(d)) return Double.POSITIVE_INFINITY;
            m = Math.max(m, d);
        }
        return m;
    }

    /** |a − b| element-wise into {@code out} from {@code offset}; NaN stays NaN. */
    static void absDiffs(float[] a, float[] b, float[] out, int offset) {
        if (a.length != b.length) throw new EngineException("outputs differ in length: " + a.length + " vs " + b.length);
        for (int i = 0; i < a.length; i++) out[offset + i] = (float) Math.abs((double) a[i] - b[i]);
    }

    /** Times {@code score} at batch {@code batch} after {@code warmup} untimed runs. */
    public static Timing time(AnomalyEngine engine, float[] images, int batch, int warmup, int iterations) {
        if (iterations < 1) throw new EngineException("iterations must be >= 1, got " + iterations);
        float[] input = Arrays.copyOf(images, Math.toIntExact(AnomalyEngine.inputLength(batch, engine.imageSize())));
        for (int i = 0; i < warmup; i++) engine.score(input, batch);
        long start = System.nanoTime();
        for (int i = 0; i < iterations; i++) engine.score(input, batch);
        double ms = (System.nanoTime() - start) / 1e6;
        return new Timing(engine.backend(), batch, iterations, ms / iterations / batch);
    }

    /** Images with normalised-pixel statistics (about N(0, 1), clipped to ±2.5), repeatable for a seed. */
    public static float[] randomImages(int count, int size, long seed) {
        float[] x = new float[Math.toIntExact(AnomalyEngine.inputLength(count, size))];
        Random r = new Random(seed);
        for (int i = 0; i < x.length; i++) x[i] = (float) Math.max(-2.5, Math.min(2.5, r.nextGaussian()));
        return x;
    }

    /** "batch | tensorrt-gpu ms/img | onnxruntime-cpu ms/img" rows, then the plan build time. */
    public static String table(List<Timing> timings, Double planBuildSeconds) {
        Set<String> backends = new LinkedHashSet<>();
        Map<Integer, Map<String, Timing>> rows = new java.util.TreeMap<>();
        for (Timing t : timings) {
            backends.add(t.backend());
            rows.computeIfAbsent(t.batch(), k -> new LinkedHashMap<>()).put(t.backend(), t);
        }
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%-6s", "batch"));
        for (String b : backends) sb.append(String.format(Locale.ROOT, " | %22s", b + " ms/img"));
        sb.append('\n').append("-".repeat(sb.length() - 1)).append('\n');
        for (var row : rows.entrySet()) {
            sb.append(String.format(Locale.ROOT, "%-6d", row.getKey()));
            for (String b : backends) {
                Timing t = row.getValue().get(b);
                sb.append(t == null ? String.format(Locale.ROOT, " | %22s", "-") : String.format(Locale.ROOT, " | %22.3f", t.msPerImage()));
            }
            sb.append('\n');
        }
        sb.append(planBuildSeconds == null ? "plan build time: - (plan was cached)\n"
                : String.format(Locale.ROOT, "plan build time: %.1f s%n", planBuildSeconds));
        return sb.toString();
    }
}
