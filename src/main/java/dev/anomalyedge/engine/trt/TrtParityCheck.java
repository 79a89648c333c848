package dev.anomalyedge.engine.trt;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.anomalyedge.engine.AnomalyEngine;
import dev.anomalyedge.engine.AnomalyEngine.ScoreBatch;
import dev.anomalyedge.engine.EngineException;
import dev.anomalyedge.engine.ort.OrtAnomalyEngine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Compares TensorRT (FP16) with ONNX Runtime (FP32) on the same images and times both: the GPU check of
 * {@code tensorrt-build/gpu-check.sh}. The comparison and timing work on any two {@link AnomalyEngine}s;
 * {@link #main} opens the bundle's two engines (building the plan in a child JVM first if needed).
 *
 * <pre>
 * java -cp target/quarkus-app/... dev.anomalyedge.engine.trt.TrtParityCheck --bundle DIR [--images 8]
 *      [--batch-sizes 1,8,32] [--ort-batch-sizes 1,8] [--iterations 20] [--ort-iterations 2] [--precision fp16]
 *      [--max-batch 32] [--opt-batch 8] [--workspace-mib 4096] [--no-build] [--json FILE]
 * </pre>
 * The FP16 map tolerance has not been measured on the full-size model yet, so the check reports the distribution of
 * the deviations (max, mean and percentiles over every map pixel and every score) instead of a pass/fail verdict; the
 * provisional tolerances are printed next to it. Exit status: 0 the comparison ran and every TensorRT output was
 * finite, 1 a TensorRT output was NaN or infinite, 2 TensorRT not available / usage error.
 */
public final class TrtParityCheck {
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

    private TrtParityCheck() {}

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

    static int[] ints(String csv) {
        try {
            int[] v = Arrays.stream(csv.split(",")).map(String::trim).filter(s -> !s.isEmpty()).mapToInt(Integer::parseInt).toArray();
            if (v.length == 0 || Arrays.stream(v).anyMatch(i -> i < 1)) throw new NumberFormatException();
            return v;
        } catch (NumberFormatException e) {
            throw new EngineException("expected a comma-separated list of positive integers, got '" + csv + "'");
        }
    }

    /** Options of {@link #main}: "--key value" pairs and flags. */
    record Options(Map<String, String> values) {
        static Options parse(String[] args) {
            Map<String, String> m = new LinkedHashMap<>();
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                if (!a.startsWith("--")) throw new EngineException("unexpected argument '" + a + "'");
                if (a.equals("--no-build")) m.put("no-build", "true");
                else if (i + 1 < args.length) m.put(a.substring(2), args[++i]);
                else throw new EngineException("option " + a + " needs a value");
            }
            return new Options(m);
        }

        String get(String key, String def) {
            return values.getOrDefault(key, def);
        }

        int integer(String key, int def) {
            return Integer.parseInt(get(key, String.valueOf(def)));
        }
    }

    /** Opens ONNX Runtime and TensorRT on the bundle, compares them and prints the timing table. */
    public static void main(String[] args) {
        System.exit(run(args));
    }

    static final String USAGE = "usage: TrtParityCheck --bundle DIR [--images 8] [--batch-sizes 1,8,32] [--ort-batch-sizes 1,8] "
            + "[--iterations 20] [--ort-iterations 2] [--precision fp16] [--max-batch 32] [--opt-batch 8] [--workspace-mib 4096] [--no-build] "
            + "[--json FILE]";

    /** {@link #main} without exiting: the exit status. */
    public static int run(String[] args) {
        Options o;
        try {
            o = Options.parse(args);
        } catch (EngineException e) {
            System.err.println(e.getMessage());
            return 2;
        }
        if (!o.values().containsKey("bundle")) {
            System.err.println(USAGE);
            return 2;
        }
        Path bundle = Path.of(o.get("bundle", "."));
        Path json = o.values().containsKey("json") ? Path.of(o.get("json", "")) : null;
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("bundle", bundle.toString());
        TrtAvailability trt = TrtNatives.probe();
        report.put("tensorrt", trt.reason());
        if (!trt.available()) {
            System.err.println("TensorRT is not available: " + trt.reason());
            report.put("status", "tensorrt unavailable");
            writeJson(json, report);
            return 2;
        }
        TrtPrecision precision = TrtPrecision.parse(o.get("precision", "fp16"));
        int maxBatch = o.integer("max-batch", 32);
        BatchProfile profile = BatchProfile.upTo(o.integer("opt-batch", 8), maxBatch);
        long workspace = (long) o.integer("workspace-mib", 4096) << 20;
        PlanKey key = PlanKey.of(trt, precision);
        PlanCache cache = PlanCache.forBundle(bundle);
        Path model = bundle.resolve(PlanCache.MODEL_FILE);
        if (!Files.isRegularFile(model)) {
            System.err.println(model + ": bundle has no ONNX model");
            return 2;
        }
        Double buildSeconds = null;
        PlanCache.Lookup lookup = cache.lookup(key, ModelDigest.sha256(model), maxBatch);
        System.out.println(trt.reason());
        report.put("builderResource", BuilderResources.locate(trt).describe());
        if (!lookup.matches()) {
            if (o.values().containsKey("no-build")) {
                System.err.println("plan " + key.baseName() + " " + lookup.reason() + " and --no-build was given");
                return 2;
            }
            System.out.println("building " + key.baseName() + " because " + lookup.reason());
            try {
                buildSeconds = PlanBuildProcess.build(new PlanBuildProcess.Request(bundle, precision, profile, workspace, true), trt,
                        PlanBuildProcess.DEFAULT_TIMEOUT, line -> {
                            int at = line.indexOf(PlanBuildProcess.PEAK_MEMORY);
                            if (at >= 0) report.put("buildPeakResidentMemory", line.substring(at + PlanBuildProcess.PEAK_MEMORY.length()));
                        }).sidecar().buildSeconds();
            } catch (RuntimeException e) {
                System.err.println(e.getMessage());
                report.put("status", "plan build failed");
                report.put("error", e.getMessage());
                writeJson(json, report);
                return 1;
            }
        }
        PlanSidecar sidecar = cache.readSidecar(cache.sidecarFile(key));
        report.put("plan", Map.of("file", cache.planFile(key).toString(), "bytes", sidecar.planBytes(), "fp32Layers", sidecar.fp32Layers(),
                "profile", sidecar.profile().toString(), "buildSeconds", sidecar.buildSeconds(), "builtNow", buildSeconds != null));
        int count = o.integer("images", 8);
        int[] trtBatches = ints(o.get("batch-sizes", "1,8,32"));
        int[] ortBatches = ints(o.get("ort-batch-sizes", "1,8"));
        int iterations = o.integer("iterations", 20), ortIterations = o.integer("ort-iterations", 2);
        List<Timing> timings = new ArrayList<>();
        Parity parity, single;
        try (OrtAnomalyEngine ort = OrtAnomalyEngine.open(model);
             TrtAnomalyEngine gpu = TrtAnomalyEngine.open(cache.planFile(key), maxBatch, 1)) {
            int s = gpu.imageSize();
            report.put("imageSize", s);
            float[] images = randomImages(count, s, 20240611L);
            parity = compare(ort, gpu, images, count, Math.min(count, maxBatch));
            int two = Math.min(2, count);
            single = compare(ort, gpu, Arrays.copyOf(images, Math.toIntExact(AnomalyEngine.inputLength(two, s))), two, 1);
            System.out.println("parity TensorRT " + precision.id() + " vs ONNX Runtime fp32, batch " + Math.min(count, maxBatch) + ": " + parity);
            System.out.println("parity TensorRT " + precision.id() + " vs ONNX Runtime fp32, batch 1: " + single);
            int largest = Math.max(Arrays.stream(trtBatches).max().orElse(1), Arrays.stream(ortBatches).max().orElse(1));
            float[] timingImages = randomImages(largest, s, 7L);
            for (int b : trtBatches) timings.add(time(gpu, timingImages, b, 3, iterations));
            for (int b : ortBatches) timings.add(time(ort, timingImages, b, 1, ortIterations));
        }
        System.out.print(table(timings, buildSeconds));
        boolean finite = parity.finite() && single.finite();
        report.put("status", finite ? "ran" : "non-finite TensorRT output");
        report.put("parity", parity);
        report.put("parityBatch1", single);
        report.put("provisionalTolerance", Map.of("map", MAP_TOLERANCE, "score", SCORE_TOLERANCE,
                "within", parity.within(MAP_TOLERANCE, SCORE_TOLERANCE) && single.within(MAP_TOLERANCE, SCORE_TOLERANCE)));
        report.put("timings", timings);
        writeJson(json, report);
        System.out.println(finite ? "PARITY MEASURED (see the distribution; the tolerance is provisional)" : "PARITY FAILED: NaN or infinite TensorRT output");
        return finite ? 0 : 1;
    }

    /** Writes the report when a file was asked for; a failure to write is reported, not thrown. */
    static void writeJson(Path file, Map<String, Object> report) {
        if (file == null) return;
        try {
            if (file.getParent() != null) Files.createDirectories(file.getParent());
            JSON.writeValue(file.toFile(), report);
        } catch (IOException e) {
            System.err.println("cannot write " + file + ": " + e.getMessage());
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
}
