package dev.anomalyedge.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.anomalyedge.bundle.ModelBundle;
import dev.anomalyedge.engine.AnomalyEngine;
import dev.anomalyedge.engine.ort.OrtAnomalyEngine;
import dev.anomalyedge.engine.select.Backends;
import dev.anomalyedge.engine.select.SelectedEngine;
import dev.anomalyedge.fewshot.MemoryBank;
import dev.anomalyedge.inspection.EngineBatches;
import dev.anomalyedge.util.ProcessMemory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Prints inference speed and memory for one bundle on this machine: per batch size the wall seconds per image, images
 * per second, CPU seconds per image and the process's peak RSS so far (batch sizes run in ascending order, so each
 * row's peak is that batch size's), then one machine-readable line starting {@code BENCHMARK_JSON } with the same
 * figures and what identifies the run (precision, backend, threads, CPU, load average before and after). A
 * measurement, not a test; compare precisions with one process per bundle (bench/cpu-vitl14.sh), as peak RSS is per
 * process.
 */
@Command(name = "benchmark", mixinStandardHelpOptions = true,
        description = {"Time inference of a bundle: s/image, images/s, CPU s/image and peak RSS per batch size, then one",
                "BENCHMARK_JSON line with the same figures, the bundle's precision, backend, threads, CPU and load average."})
public class BenchmarkCommand implements Runnable {
    static final String JSON_PREFIX = "BENCHMARK_JSON ";

    @Option(names = "--bundle", required = true, description = "bundle directory")
    Path bundleDir;

    @Option(names = "--batch-sizes", split = ",", defaultValue = "1,4", description = "batch sizes, run in ascending order (default: ${DEFAULT-VALUE})")
    List<Integer> batchSizes;

    @Option(names = "--runs", defaultValue = "2", description = "timed runs per batch size (one warm-up run precedes each batch size) (default: ${DEFAULT-VALUE})")
    int runs;

    @Option(names = "--shots", defaultValue = "0", description = "also time few-shot scoring with a memory bank of this many"
            + " (random) reference images: the bank search's share of the per-image time and the bank's memory (default: ${DEFAULT-VALUE} = off)")
    int shots;
    @Option(names = "--reference", description = "after the timings, score --compare-images random images with this bundle too"
            + " (e.g. the FP32 bundle of an INT8 one) and print the score and map deviations (adds its memory to the process)")
    Path referenceDir;

    @Option(names = "--compare-images", defaultValue = "3", description = "images scored for --reference, one at a time (default: ${DEFAULT-VALUE})")
    int compareImages;

    @Option(names = "--profile", description = "profile the ONNX Runtime session (--engine onnxruntime): write its JSON trace to this"
            + " file and print kernel time per operator type and the slowest nodes, averaged over the timed runs")
    Path profileFile;

    @picocli.CommandLine.Mixin
    EngineOptions engineOptions = new EngineOptions();

    /** Deviation of this bundle's outputs from the reference bundle's on the same images (batch 1). */
    record Deviation(String reference, int images, double maxScore, double meanScore, double maxMap, double meanMap, double mapRange) {}

    /** One batch size's figures. */
    record Row(int batch, double wallPerBatch, double secondsPerImage, double imagesPerSecond, double cpuPerImage, long peakRssMib) {}

    @Override
    public void run() {
        if (runs < 1) throw new IllegalArgumentException("--runs must be >= 1, got " + runs);
        List<Integer> sizes = batchSizes.stream().distinct().sorted().toList();
        if (sizes.isEmpty() || sizes.get(0) < 1) throw new IllegalArgumentException("batch sizes must be >= 1, got " + batchSizes);
        String loadBefore = loadAverage();
        ModelBundle bundle = ModelBundle.load(bundleDir);
        String precision = bundle.manifest().graphPrecision().id();
        int s = bundle.imageSize();
        int cores = Runtime.getRuntime().availableProcessors();
        System.out.printf("bundle %s %s, %s, image %d px, %d cores, load average %s%n", bundle.name(), bundle.version(), precision, s,
                cores, loadBefore);
        long t0 = System.nanoTime();
        List<Row> rows = new ArrayList<>();
        List<float[]> compare = new ArrayList<>();
        List<EngineBatches.Scored> measured = List.of();
        String backend;
        double sessionLoad;
        try (SelectedEngine selected = profileFile == null ? engineOptions.open(bundle, sizes.get(sizes.size() - 1)) : profiled(bundle)) {
            AnomalyEngine engine = selected.engine();
            backend = engine.backend();
            sessionLoad = (System.nanoTime() - t0) / 1e9;
            System.out.println("backend: " + backend);
            System.out.printf("session load: %.2f s, peak RSS so far %d MiB%n", sessionLoad, peakRssMib());
            SplittableRandom r = new SplittableRandom(7);
            System.out.println("batch | wall s/batch | wall s/image | images/s | cpu s/image | peak RSS MiB");
            for (int b : sizes) {
                List<float[]> images = new ArrayList<>(b);
                for (int i = 0; i < b; i++) images.add(randomImage(r, s));
                EngineBatches.score(engine, images, b); // warm-up at this batch size (arenas, shapes, JIT)
                double wall = 0;
                double cpu = 0;
                for (int k = 0; k < runs; k++) {
                    long c0 = processCpuNanos();
                    long w0 = System.nanoTime();
                    EngineBatches.score(engine, images, b); // the batch path of inspect, evaluate and calibrate
                    wall += (System.nanoTime() - w0) / 1e9;
                    cpu += (processCpuNanos() - c0) / 1e9;
                }
                Row row = new Row(b, wall / runs, wall / runs / b, b * runs / wall, cpu / runs / b, peakRssMib());
                rows.add(row);
                System.out.printf(Locale.ROOT, "%5d | %12.3f | %12.3f | %8.3f | %11.3f | %12d%n", b, row.wallPerBatch(), row.secondsPerImage(),
                        row.imagesPerSecond(), row.cpuPerImage(), row.peakRssMib());
            }
            if (profileFile != null) profileSummary((OrtAnomalyEngine) engine, sizes.size());
            if (referenceDir != null) {
                for (int i = 0; i < compareImages; i++) compare.add(randomImage(r, s));
                measured = EngineBatches.score(engine, compare, 1);
            }
            if (shots > 0) fewShot(engine, s, r);
        }
        Deviation deviation = referenceDir == null ? null : deviation(measured, compare);
        String loadAfter = loadAverage();
        System.out.println("peak RSS: " + ProcessMemory.peakRss() + (referenceDir == null ? "" : " (with the reference bundle)")
                + "; load average after: " + loadAfter);
        System.out.println(JSON_PREFIX + json(bundle, precision, backend, sessionLoad, rows, deviation, loadBefore, loadAfter));
    }

    /** The bundle's model on ONNX Runtime with session profiling on (the trace goes to a temporary file beside --profile). */
    private SelectedEngine profiled(ModelBundle bundle) {
        if (!"onnxruntime".equals(engineOptions.engine)) throw new IllegalArgumentException("--profile needs --engine onnxruntime");
        int threads = engineOptions.threads == null ? Runtime.getRuntime().availableProcessors() : engineOptions.threads;
        Path prefix = profileFile.toAbsolutePath().resolveSibling(profileFile.getFileName() + ".ort");
        return new SelectedEngine(OrtAnomalyEngine.open(Backends.model(bundle.dir()), threads, prefix), "onnxruntime", "--profile");
    }

    /** Ends profiling, moves the trace to --profile and prints its summary over the timed runs (one warm-up per batch size). */
    private void profileSummary(OrtAnomalyEngine engine, int batchSizes) {
        try {
            Path trace = engine.endProfiling();
            Files.move(trace, profileFile, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            OrtProfile.read(profileFile, batchSizes == 1 ? 1 : 0).print(System.out, 25);
            if (batchSizes > 1) System.out.println("(several batch sizes: the profile averages all their runs, warm-ups included)");
            System.out.println("profile trace: " + profileFile);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot read the profile " + profileFile, e);
        }
    }

    /** Normalised-pixel noise, uniform in [−2, 2): the full input range of a CLIP-normalised image. */
    private static float[] randomImage(SplittableRandom r, int s) {
        float[] image = new float[3 * s * s];
        for (int j = 0; j < image.length; j++) image[j] = (float) (r.nextDouble() * 4 - 2);
        return image;
    }

    /** Scores {@code images} with the reference bundle (same engine options, batch 1) and compares with {@code measured}. */
    private Deviation deviation(List<EngineBatches.Scored> measured, List<float[]> images) {
        ModelBundle ref = ModelBundle.load(referenceDir);
        List<EngineBatches.Scored> expected;
        try (dev.anomalyedge.engine.select.SelectedEngine e = engineOptions.open(ref, 1)) {
            expected = EngineBatches.score(e.engine(), images, 1);
        }
        double maxScore = 0, sumScore = 0, maxMap = 0, sumMap = 0, lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        long mapValues = 0;
        for (int i = 0; i < images.size(); i++) {
            double ds = Math.abs(measured.get(i).score() - expected.get(i).score());
            maxScore = Math.max(maxScore, ds);
            sumScore += ds;
            float[] a = measured.get(i).map(), b = expected.get(i).map();
            for (int j = 0; j < a.length; j++) {
                double dm = Math.abs(a[j] - b[j]);
                maxMap = Math.max(maxMap, dm);
                sumMap += dm;
                lo = Math.min(lo, b[j]);
                hi = Math.max(hi, b[j]);
            }
            mapValues += a.length;
        }
        Deviation d = new Deviation(ref.name() + "/" + ref.version() + " (" + ref.manifest().graphPrecision().id() + ")", images.size(),
                maxScore, sumScore / images.size(), maxMap, sumMap / mapValues, hi - lo);
        System.out.printf(Locale.ROOT, "deviation from %s on %d random images: score max %.3e mean %.3e; map max %.3e mean %.3e"
                + " (reference map range %.3e)%n", d.reference(), d.images(), d.maxScore(), d.meanScore(), d.maxMap(), d.meanMap(), d.mapRange());
        return d;
    }

    private String json(ModelBundle bundle, String precision, String backend, double sessionLoad, List<Row> rows, Deviation deviation,
                        String loadBefore, String loadAfter) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("bundle", bundle.name() + "/" + bundle.version());
        m.put("precision", precision);
        m.put("backend", backend);
        m.put("image_size", bundle.imageSize());
        m.put("vision_width", bundle.architecture().visionWidth());
        m.put("vision_layers", bundle.architecture().visionLayers());
        m.put("cores", Runtime.getRuntime().availableProcessors());
        m.put("threads", engineOptions.threads);
        m.put("cpu", cpuModel());
        m.put("java", System.getProperty("java.version"));
        m.put("runs", runs);
        m.put("session_load_s", round(sessionLoad));
        List<Map<String, Object>> out = new ArrayList<>();
        for (Row r : rows) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("batch", r.batch());
            row.put("s_per_image", round(r.secondsPerImage()));
            row.put("images_per_s", round(r.imagesPerSecond()));
            row.put("cpu_s_per_image", round(r.cpuPerImage()));
            row.put("peak_rss_mib", r.peakRssMib());
            out.add(row);
        }
        m.put("results", out);
        m.put("peak_rss_mib", rows.get(rows.size() - 1).peakRssMib());
        if (deviation != null) {
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("reference", deviation.reference());
            d.put("images", deviation.images());
            d.put("score_max_abs", deviation.maxScore());
            d.put("score_mean_abs", deviation.meanScore());
            d.put("map_max_abs", deviation.maxMap());
            d.put("map_mean_abs", deviation.meanMap());
            d.put("reference_map_range", deviation.mapRange());
            m.put("deviation", d);
        }
        m.put("loadavg_before", loadBefore);
        m.put("loadavg_after", loadAfter);
        try {
            return new ObjectMapper().writeValueAsString(m);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** VmHWM of /proc/self/status in MiB (the figure {@link ProcessMemory#peakRss()} prints); -1 where unknown. */
    static long peakRssMib() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
            }
        } catch (Exception e) {
            return -1;
        }
        return -1;
    }

    private static double round(double v) {
        return Math.round(v * 1e6) / 1e6;
    }

    /** The 1, 5 and 15 minute load averages from /proc/loadavg; "unknown" elsewhere. */
    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (Exception e) {
            return "unknown";
        }
    }

    private static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) return line.substring(line.indexOf(':') + 1).trim();
            }
        } catch (Exception e) {
            return System.getProperty("os.arch");
        }
        return System.getProperty("os.arch");
    }

    /** Per image: zero-shot scoring, few-shot scoring (one vision run + bank search) and the bank search alone. */
    private void fewShot(AnomalyEngine engine, int s, SplittableRandom r) {
        if (!engine.hasFewShotHead()) {
            System.out.println("few-shot: " + engine.backend() + " has no bank search on the engine");
            return;
        }
        List<float[]> references = new ArrayList<>();
        for (int i = 0; i < shots + 1; i++) references.add(randomImage(r, s));
        float[] test = references.remove(shots);
        MemoryBank bank = MemoryBank.of(EngineBatches.features(engine, references, 1));
        AnomalyEngine.FeatureBatch features = engine.features(test, 1);
        engine.scoreFewShot(test, 1, bank); // warm-up of the search session
        double zs = 0, fs = 0, search = 0;
        for (int k = 0; k < runs; k++) {
            long t0 = System.nanoTime();
            engine.score(test, 1);
            long t1 = System.nanoTime();
            engine.scoreFewShot(test, 1, bank);
            long t2 = System.nanoTime();
            engine.searchBank(features, bank);
            long t3 = System.nanoTime();
            zs += (t1 - t0) / 1e9;
            fs += (t2 - t1) / 1e9;
            search += (t3 - t2) / 1e9;
        }
        System.out.printf("few-shot k=%d: bank %d patches/tap x %d taps x %d dims = %.1f MB float16; per image: zero-shot %.3f s,"
                        + " few-shot %.3f s, bank search %.3f s = %.1f %% of the few-shot time%n", shots, bank.size(), bank.taps(),
                bank.embedDim(), bank.bytes() / 1e6, zs / runs, fs / runs, search / runs, 100 * search / fs);
    }

    private static long processCpuNanos() {
        var os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) return sun.getProcessCpuTime();
        return 0;
    }
}
