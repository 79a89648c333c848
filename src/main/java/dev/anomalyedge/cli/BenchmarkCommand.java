package dev.anomalyedge.cli;

import dev.anomalyedge.bundle.ModelBundle;
import dev.anomalyedge.engine.AnomalyEngine;
import dev.anomalyedge.fewshot.MemoryBank;
import dev.anomalyedge.inspection.EngineBatches;
import dev.anomalyedge.util.ProcessMemory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Prints inference speed and memory for a bundle on this machine's CPU: seconds per image at each batch size and the
 * process's peak resident set size. A measurement, not a test.
 */
@Command(name = "benchmark", mixinStandardHelpOptions = true,
        description = "Time CPU inference of a bundle (seconds per image per batch size) and report peak RSS.")
public class BenchmarkCommand implements Runnable {
    @Option(names = "--bundle", required = true, description = "bundle directory")
    Path bundleDir;

    @Option(names = "--batch-sizes", split = ",", defaultValue = "1,4", description = "batch sizes (default: ${DEFAULT-VALUE})")
    List<Integer> batchSizes;

    @Option(names = "--runs", defaultValue = "2", description = "timed runs per batch size (one warm-up run precedes the first batch size) (default: ${DEFAULT-VALUE})")
    int runs;

    @Option(names = "--shots", defaultValue = "0", description = "also time few-shot scoring with a memory bank of this many"
            + " (random) reference images: the bank search's share of the per-image time and the bank's memory (default: ${DEFAULT-VALUE} = off)")
    int shots;

    @picocli.CommandLine.Mixin
    EngineOptions engineOptions = new EngineOptions();

    @Override
    public void run() {
        ModelBundle bundle = ModelBundle.load(bundleDir);
        int s = bundle.imageSize();
        System.out.printf("bundle %s %s, image %d px, %d cores%n", bundle.name(), bundle.version(), s,
                Runtime.getRuntime().availableProcessors());
        long t0 = System.nanoTime();
        int maxBatch = batchSizes.stream().mapToInt(Integer::intValue).max().orElse(1);
        try (dev.anomalyedge.engine.select.SelectedEngine selected = engineOptions.open(bundle.dir(), maxBatch)) {
            AnomalyEngine engine = selected.engine();
            System.out.println("backend: " + selected.backend());
            System.out.printf("session load: %.2f s, peak RSS so far %s%n", (System.nanoTime() - t0) / 1e9, ProcessMemory.peakRss());
            SplittableRandom r = new SplittableRandom(7);
            System.out.println("batch | wall s/batch | wall s/image | cpu s/image");
            boolean warm = false;
            for (int b : batchSizes) {
                List<float[]> images = new ArrayList<>(b);
                for (int i = 0; i < b; i++) {
                    float[] image = new float[3 * s * s];
                    for (int j = 0; j < image.length; j++) image[j] = (float) (r.nextDouble() * 4 - 2);
                    images.add(image);
                }
                if (!warm) EngineBatches.score(engine, images, b); // one warm-up run (session, arenas, JIT) before the first timing
                warm = true;
                double wall = 0;
                double cpu = 0;
                for (int k = 0; k < runs; k++) {
                    long c0 = processCpuNanos();
                    long w0 = System.nanoTime();
                    EngineBatches.score(engine, images, b); // the batch path of inspect, evaluate and calibrate
                    wall += (System.nanoTime() - w0) / 1e9;
                    cpu += (processCpuNanos() - c0) / 1e9;
                }
                System.out.printf("%5d | %12.3f | %12.3f | %11.3f%n", b, wall / runs, wall / runs / b, cpu / runs / b);
            }
            if (shots > 0) fewShot(engine, s, r);
        }
        System.out.println("peak RSS: " + ProcessMemory.peakRss());
    }

    /** Per image: zero-shot scoring, few-shot scoring (one vision run + bank search) and the bank search alone. */
    private void fewShot(AnomalyEngine engine, int s, SplittableRandom r) {
        if (!engine.hasFewShotHead()) {
            System.out.println("few-shot: " + engine.backend() + " has no bank search on the engine");
            return;
        }
        List<float[]> references = new ArrayList<>();
        for (int i = 0; i < shots + 1; i++) {
            float[] image = new float[3 * s * s];
            for (int j = 0; j < image.length; j++) image[j] = (float) (r.nextDouble() * 4 - 2);
            references.add(image);
        }
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
