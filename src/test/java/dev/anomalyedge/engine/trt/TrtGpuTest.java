package dev.anomalyedge.engine.trt;

import dev.anomalyedge.engine.AnomalyEngine;
import dev.anomalyedge.engine.AnomalyEngine.FeatureBatch;
import dev.anomalyedge.engine.ort.OrtAnomalyEngine;
import dev.anomalyedge.engine.select.EngineMode;
import dev.anomalyedge.engine.select.EngineSelector;
import dev.anomalyedge.engine.select.EngineSettings;
import dev.anomalyedge.engine.select.SelectedEngine;
import dev.anomalyedge.fewshot.MemoryBank;
import dev.anomalyedge.graph.GoldenVision;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.SizeTPointer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.bytedeco.cuda.global.cudart.cudaMemGetInfo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * TensorRT on a real GPU, against ONNX Runtime FP32 on the golden models. Skipped (with the reason printed) unless
 * run with {@code -Dgpu.tests=true} on a box where the probe finds a GPU and TensorRT, e.g.
 * {@code ./mvnw -Pgpu test -Dtest=TrtGpuTest -Dgpu.tests=true}.
 */
class TrtGpuTest {
    static final int MAX_BATCH = 4;

    @TempDir
    static Path root;

    /** Per test, so each one is reported as skipped with the reason. */
    @BeforeEach
    void gate() {
        String skip = null;
        if (!Boolean.getBoolean("gpu.tests")) {
            skip = "GPU tests not enabled (run with -Dgpu.tests=true on a GPU box)";
        } else {
            TrtAvailability trt = TrtNatives.probe();
            if (!trt.available()) skip = "no GPU / no TensorRT natives: " + trt.reason();
        }
        if (skip != null) System.out.println("TrtGpuTest skipped: " + skip);
        assumeTrue(skip == null, skip);
    }

    /** A bundle folder holding the golden case's scoring model. */
    static Path bundle(GoldenVision c, String name) throws IOException {
        Path dir = root.resolve(name);
        if (!Files.isRegularFile(dir.resolve(PlanCache.MODEL_FILE))) {
            Files.createDirectories(dir);
            c.builder(c.settings()).write(dir.resolve(PlanCache.MODEL_FILE));
        }
        return dir;
    }

    static EngineSettings settings() {
        return EngineSettings.defaults().withMode(EngineMode.TENSORRT).withMaxBatch(MAX_BATCH).withOptBatch(2).withWorkspaceBytes(1L << 30);
    }

    /** The images repeated to {@code n} images. */
    static float[] repeat(GoldenVision c, int n) {
        float[] one = c.images().floats();
        int per = one.length / c.count();
        float[] out = new float[n * per];
        for (int i = 0; i < n; i++) System.arraycopy(one, (i % c.count()) * per, out, i * per, per);
        return out;
    }

    @ParameterizedTest
    @MethodSource("dev.anomalyedge.testing.Golden#cases")
    void fp16MatchesOnnxRuntimeAtEveryBatchSize(String name) throws IOException {
        GoldenVision c = GoldenVision.load(name);
        Path bundle = bundle(c, name);
        EngineSelector selector = EngineSelector.standard(null);
        try (SelectedEngine trt = selector.select(bundle, settings());
             OrtAnomalyEngine ort = OrtAnomalyEngine.open(bundle.resolve(PlanCache.MODEL_FILE), 2)) {
            System.out.println(name + ": " + trt.statusMessage());
            assertEquals("tensorrt-fp16", trt.backend());
            for (int b = 1; b <= MAX_BATCH + 3; b++) { // above MAX_BATCH the engine runs chunks
                TrtParity.Parity p = TrtParity.compare(ort, trt.engine(), repeat(c, b), b, b);
                System.out.println(name + " batch " + b + ": " + p);
                assertTrue(p.within(TrtParity.MAP_TOLERANCE, TrtParity.SCORE_TOLERANCE), name + " batch " + b + ": " + p);
            }
            float[] golden = c.npy("scores/image_score.npy").floats();
            float[] scores = trt.engine().score(c.images().floats(), c.count()).scores();
            for (int i = 0; i < c.count(); i++) assertEquals(golden[i], scores[i], TrtParity.SCORE_TOLERANCE, name + " golden score " + i);
            FeatureBatch f = trt.engine().features(c.images().floats(), c.count());
            FeatureBatch g = ort.features(c.images().floats(), c.count());
            System.out.printf("%s features: max |Δ patch| = %.3e, max |Δ image| = %.3e%n", name,
                    TrtParity.maxAbsDiff(g.patchFeatures(), f.patchFeatures()), TrtParity.maxAbsDiff(g.imageFeatures(), f.imageFeatures()));
            assertEquals(g.patchFeatures().length, f.patchFeatures().length);
        }
    }

    @Test
    void thePlanIsReusedAcrossRestarts() throws IOException {
        GoldenVision c = GoldenVision.load("case2_p16_s96_top");
        Path bundle = bundle(c, "reuse");
        float[] first, second;
        PlanSidecar built;
        try (SelectedEngine e = EngineSelector.standard(null).select(bundle, settings())) {
            first = e.engine().score(c.images().floats(), c.count()).maps();
            PlanKey key = PlanKey.of(TrtNatives.probe(), TrtPrecision.FP16);
            built = PlanCache.forBundle(bundle).readSidecar(PlanCache.forBundle(bundle).sidecarFile(key));
        }
        try (SelectedEngine e = EngineSelector.standard(null).select(bundle, settings())) { // as a restarted service would
            assertTrue(e.reason().contains("cached plan"), e.reason());
            second = e.engine().score(c.images().floats(), c.count()).maps();
            PlanKey key = PlanKey.of(TrtNatives.probe(), TrtPrecision.FP16);
            assertEquals(built, PlanCache.forBundle(bundle).readSidecar(PlanCache.forBundle(bundle).sidecarFile(key)), "not rebuilt");
        }
        assertTrue(TrtParity.maxAbsDiff(first, second) <= 1e-6, "same plan, same results");
    }

    @Test
    void memoryIsStableOver10000Inferences() throws IOException {
        GoldenVision c = GoldenVision.load("case2_p16_s96_top");
        Path bundle = bundle(c, "memory");
        try (SelectedEngine e = EngineSelector.standard(null).select(bundle, settings())) {
            AnomalyEngine engine = e.engine();
            float[] image = c.image(0);
            for (int i = 0; i < 200; i++) engine.score(image, 1);
            System.gc();
            long device0 = freeDeviceBytes(), host0 = Pointer.physicalBytes();
            for (int i = 0; i < 10_000; i++) engine.score(image, 1);
            System.gc();
            long device1 = freeDeviceBytes(), host1 = Pointer.physicalBytes();
            System.out.printf("10000 inferences: free device memory %+d KiB, process RSS %+d KiB%n", (device1 - device0) >> 10, (host1 - host0) >> 10);
            assertTrue(device0 - device1 < 8L << 20, "device memory shrank by " + ((device0 - device1) >> 10) + " KiB");
            assertTrue(host1 - host0 < 64L << 20, "resident memory grew by " + ((host1 - host0) >> 10) + " KiB");
        }
    }

    @Test
    void twoWorkersRunConcurrently() throws Exception {
        GoldenVision c = GoldenVision.load("case1_p14_s112_taps4");
        Path bundle = bundle(c, "workers");
        try (SelectedEngine e = EngineSelector.standard(null).select(bundle, settings().withTrtWorkers(2));
             OrtAnomalyEngine ort = OrtAnomalyEngine.open(bundle.resolve(PlanCache.MODEL_FILE), 2)) {
            float[] images = c.images().floats();
            float[] expected = ort.score(images, c.count()).maps();
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<float[]>> runs = new ArrayList<>();
                for (int i = 0; i < 16; i++) runs.add(pool.submit(() -> e.engine().score(images, c.count()).maps()));
                for (Future<float[]> f : runs) {
                    double d = TrtParity.maxAbsDiff(expected, f.get());
                    assertTrue(d <= TrtParity.MAP_TOLERANCE, "concurrent run map diff " + d);
                }
            } finally {
                pool.shutdown();
            }
        }
    }

    /**
     * The few-shot head plan that build-engine builds beside the scoring plan searches banks on the GPU as the ONNX
     * Runtime head does on the host (same features, same banks; float32 on both sides), a changed bank is uploaded, and a
     * bank larger than the plan's rows does not fit (the host searches it).
     */
    @Test
    void theFewShotHeadOnTheGpuMatchesTheHostOne() throws IOException {
        GoldenVision c = GoldenVision.load("case1_p14_s112_taps4");
        Path bundle = bundle(c, "fewshot-head");
        try (SelectedEngine e = EngineSelector.standard(null).select(bundle, settings());
             OrtAnomalyEngine ort = OrtAnomalyEngine.open(bundle.resolve(PlanCache.MODEL_FILE), 2)) {
            System.out.println("few-shot head: " + e.reason());
            assertTrue(e.deviceSearch() != null, "build-engine built the head plan: " + e.reason());
            float[] images = c.images().floats();
            int per = images.length / c.count();
            MemoryBank bank = MemoryBank.of(List.of(ort.features(java.util.Arrays.copyOf(images, 2 * per), 2)));
            FeatureBatch test = ort.features(images, c.count());
            for (MemoryBank b : List.of(bank, bank.leaveOut(2, 0), bank)) {
                AnomalyEngine.ScoreBatch gpu = e.deviceSearch().search(test, b), cpu = ort.searchBank(test, b);
                double maps = TrtParity.maxAbsDiff(cpu.maps(), gpu.maps()), scores = TrtParity.maxAbsDiff(cpu.scores(), gpu.scores());
                System.out.printf("few-shot head, bank N=%d: GPU vs host max |Δ map| = %.3e, max |Δ score| = %.3e%n", b.size(), maps, scores);
                assertTrue(maps <= 1e-4 && scores <= 1e-5, "bank N=" + b.size() + ": maps " + maps + ", scores " + scores);
            }
            MemoryBank huge = MemoryBank.of(List.of(ort.features(repeat(c, 9), 9))); // 9 images: more than the default 8
            assertTrue(!e.deviceSearch().fits(huge), "a bank of 9 images does not fit a head plan for 8");
        }
    }

    private static long freeDeviceBytes() {
        try (SizeTPointer free = new SizeTPointer(1); SizeTPointer total = new SizeTPointer(1)) {
            Cuda.check(cudaMemGetInfo(free, total), "cudaMemGetInfo");
            return free.get();
        }
    }

}
