package dev.anomalyedge.training;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The training benchmark on the tiny demo architecture: it runs end to end, its measured numbers are finite and
 * positive, the implied run follows from them by the stated formula (not a timing), and the printed report carries
 * the Result's numbers in the lines the README's benchmark script relies on.
 */
class TrainingBenchmarkTest {
    @TempDir
    Path work;

    @Test
    void demoRunMeasuresAndImpliesAFullRun() throws Exception {
        // 5 images in batches of 2 make 3 steps per epoch: the last, smaller batch counts as a step
        var options = new TrainingBenchmark.Options(TrainingBenchmark.Arch.DEMO, null, work, 2, 1, 2, 3, 5, 1);
        List<String> out = new ArrayList<>();
        List<String> log = new ArrayList<>();

        TrainingBenchmark.Result r = TrainingBenchmark.run(options, out::add, log::add);

        for (double v : new double[] {r.extractSecondsPerImage(), r.cacheBatchSeconds(), r.stepSeconds()}) {
            assertTrue(Double.isFinite(v) && v > 0, "measured " + r);
        }
        assertEquals(3 * 3, r.impliedSteps());
        assertEquals(5 * r.extractSecondsPerImage(), r.impliedExtractSeconds(), 1e-9);
        assertEquals(9 * (r.stepSeconds() + r.cacheBatchSeconds()), r.impliedTrainSeconds(), 1e-9);
        assertEquals(r.impliedExtractSeconds() + r.impliedTrainSeconds(), r.impliedTotalSeconds(), 1e-9);
        assertEquals(r.impliedTotalSeconds() / 3600, r.impliedHours(), 1e-12);

        assertTrue(Files.isRegularFile(work.resolve("random-demo.safetensors")), "the random CLIP is written into the working directory");
        assertTrue(log.stream().anyMatch(l -> l.startsWith("building the feature graph")), "graph progress goes to the log: " + log);
        String[] prefixes = {"architecture ", "settings: 224 px, taps [2, 4, 6], 1 CPU threads", "random CLIP written in ",
                "CLIP read in ", "CLIP hashed in ", "feature graph ready in ", "engine opened, peak RSS ", "  image 1: ", "  image 2: ",
                "  inference of the last image on the same graph", "feature extraction: ", "cache: ", "warm-up step: ", "  step 1: ",
                "per step, wall: inputs ", "per step, process CPU: inputs ", "per step: ", "training: ",
                "implied for 5 images x 3 epochs (batch 2, 9 steps):", "  feature extraction once: ", "  training from the cache: ",
                "  total: ", "peak RSS: "};
        assertEquals(prefixes.length, out.size(), String.join("\n", out));
        for (int i = 0; i < prefixes.length; i++) assertTrue(out.get(i).startsWith(prefixes[i]), "line " + i + ": " + out.get(i));
        assertTrue(out.get(10).contains("first image excluded as warm-up"), out.get(10));
        assertEquals(String.format(Locale.ROOT, "  total: %.0f s = %.1f h", r.impliedTotalSeconds(), r.impliedHours()),
                out.get(21).substring(0, out.get(21).indexOf(';')));
    }

    @Test
    void randomFeaturesTimeTheStepsWithoutTheVisionGraph() throws Exception {
        var options = new TrainingBenchmark.Options(TrainingBenchmark.Arch.DEMO, null, work, 1, 1, 2, 3, 5, 1, true);
        List<String> out = new ArrayList<>();
        List<String> log = new ArrayList<>();

        TrainingBenchmark.Result r = TrainingBenchmark.run(options, out::add, log::add);

        assertTrue(Double.isFinite(r.stepSeconds()) && r.stepSeconds() > 0, "measured " + r);
        assertTrue(Double.isNaN(r.extractSecondsPerImage()), "nothing was extracted: " + r);
        assertTrue(log.isEmpty(), "no feature graph is built: " + log);
        assertFalse(Files.exists(work.resolve("cache")), "no graph, no cache");
        assertTrue(out.stream().anyMatch(l -> l.startsWith("random features: [2, 64] image, [3, 2, 197, 64] patch")), String.join("\n", out));
        assertTrue(out.stream().anyMatch(l -> l.startsWith("per step, process CPU: inputs ")), String.join("\n", out));
        assertTrue(out.contains("  feature extraction once: not measured (random features)"), String.join("\n", out));
    }

    @Test
    void optionsRejectNothingToMeasure() {
        assertThrows(IllegalArgumentException.class, () -> new TrainingBenchmark.Options(TrainingBenchmark.Arch.DEMO, null, work, 2, 0, 2, 3, 5, 1));
        assertThrows(IllegalArgumentException.class, () -> new TrainingBenchmark.Options(TrainingBenchmark.Arch.DEMO, null, work, 0, 1, 2, 3, 5, 1));
        assertThrows(IllegalArgumentException.class, () -> new TrainingBenchmark.Options(TrainingBenchmark.Arch.DEMO, null, null, 2, 1, 2, 3, 5, 1));
    }

    /** "X … X object." and "X … X damaged object." in CLIP's vocabulary: SOT, 12 × "x", ["damaged"], "object", ".", EOT. */
    @Test
    void officialTokenIdsSpellTheTwoPrompts() {
        long[][] ids = TrainingBenchmark.officialTokenIds(77);
        long[] x12 = {343, 343, 343, 343, 343, 343, 343, 343, 343, 343, 343, 343};
        assertEquals(77, ids[0].length);
        assertEquals(49406, ids[0][0]);
        assertArrayEquals(x12, java.util.Arrays.copyOfRange(ids[0], 1, 13));
        assertArrayEquals(new long[] {14115, 269, 49407, 0}, java.util.Arrays.copyOfRange(ids[0], 13, 17));
        assertArrayEquals(new long[] {13568, 14115, 269, 49407, 0}, java.util.Arrays.copyOfRange(ids[1], 13, 18));
    }
}
