package dev.anomalyedge.engine.select;

import dev.anomalyedge.bundle.ModelBundle;
import dev.anomalyedge.cli.DemoCommand;
import dev.anomalyedge.engine.AnomalyEngine;
import dev.anomalyedge.engine.ort.OrtAnomalyEngine;
import dev.anomalyedge.fewshot.MemoryBank;
import dev.anomalyedge.graph.ScoringGraphBuilder;
import dev.anomalyedge.testing.Golden;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The host bank search for an engine without one (TensorRT), tried on the demo model's ONNX Runtime engine seen without
 * its own head: it gives what the ONNX Runtime engine's own bank search gives, from one run of the engine per batch.
 */
class HostBankSearchTest {
    static ModelBundle bundle;
    static OrtAnomalyEngine ort;

    @BeforeAll
    static void demo() {
        Path work = Golden.tempDir("host-bank-");
        assertEquals(0, new CommandLine(new DemoCommand()).execute("--out", work.toString(), "--untrained"));
        bundle = ModelBundle.load(work.resolve("models/demo/untrained-1"));
        ort = OrtAnomalyEngine.open(bundle.graphFile(), 2);
    }

    @AfterAll
    static void close() {
        if (ort != null) ort.close();
    }

    @Test
    void equalsTheEnginesOwnBankSearchFromOneRunPerBatch() {
        int s = ort.imageSize();
        float[] references = images(2, s, 1), test = images(2, s, 2);
        MemoryBank bank = MemoryBank.of(List.of(ort.features(references, 2)));
        Headless headless = new Headless(ort);
        AnomalyEngine host = HostBankSearch.ifMissing(headless, bundle.settings(), 1);
        assertTrue(host.hasFewShotHead());

        AnomalyEngine.FewShotBatch mine = host.scoreFewShot(test, 2, bank);
        AnomalyEngine.FewShotBatch theirs = ort.scoreFewShot(test, 2, bank);
        assertEquals(1, headless.runs.get(), "one run of the vision graph for scores, maps and features");
        assertArrayEquals(theirs.zeroShot().scores(), mine.zeroShot().scores());
        assertArrayEquals(theirs.zeroShot().maps(), mine.zeroShot().maps());
        assertArrayEquals(theirs.fewShot().scores(), mine.fewShot().scores(), 1e-6f);
        assertArrayEquals(theirs.fewShot().maps(), mine.fewShot().maps(), 1e-6f);
        assertArrayEquals(theirs.fewShot().maps(), host.searchBank(ort.features(test, 2), bank).maps(), 1e-6f);
    }

    @Test
    void anEngineWithItsOwnSearchIsLeftAsItIs() {
        assertSame(ort, HostBankSearch.ifMissing(ort, bundle.settings(), 1));
    }

    @Test
    void closingClosesTheEngineAndRefusesLaterSearches() {
        Headless headless = new Headless(ort);
        AnomalyEngine host = HostBankSearch.ifMissing(headless, bundle.settings(), 1);
        host.close();
        assertTrue(headless.closed);
        MemoryBank bank = MemoryBank.of(List.of(ort.features(images(1, ort.imageSize(), 3), 1)));
        assertThrows(dev.anomalyedge.engine.EngineException.class, () -> host.searchBank(ort.features(images(1, ort.imageSize(), 4), 1), bank));
    }

    /**
     * A device search (TensorRT's head plan on a GPU box) is used for the banks it fits, the host for the others; one that
     * fails is not used again and the host answers instead, so an inspection still gets its result.
     */
    @Test
    void aDeviceSearchIsUsedForTheBanksItFitsAndDroppedAfterAFailure() {
        int s = ort.imageSize();
        MemoryBank small = MemoryBank.of(List.of(ort.features(images(1, s, 5), 1)));
        MemoryBank large = MemoryBank.of(List.of(ort.features(images(2, s, 6), 2)));
        AnomalyEngine.FeatureBatch test = ort.features(images(1, s, 7), 1);
        Device device = new Device(small.size());
        HostBankSearch host = (HostBankSearch) HostBankSearch.ifMissing(new Headless(ort), bundle.settings(), 1, device);
        assertEquals("on fake-gpu (banks it fits), else on the host", host.where());

        assertArrayEquals(ort.searchBank(test, small).maps(), host.searchBank(test, small).maps(), 1e-6f);
        assertEquals(1, device.searches.get(), "a bank that fits is searched on the device");
        assertArrayEquals(ort.searchBank(test, large).maps(), host.searchBank(test, large).maps(), 1e-6f);
        assertEquals(1, device.searches.get(), "a larger bank is searched on the host");

        device.failure = new dev.anomalyedge.engine.EngineException("IExecutionContext.enqueueV3 failed");
        assertArrayEquals(ort.searchBank(test, small).maps(), host.searchBank(test, small).maps(), 1e-6f, "the host answers");
        assertEquals(2, device.searches.get());
        host.searchBank(test, small);
        assertEquals(2, device.searches.get(), "a device search that failed is not used again");
        assertEquals("on the host", host.where());
        host.close();
        assertTrue(device.closed, "the host search owns the device search");

        Device unused = new Device(1);
        assertSame(ort, HostBankSearch.ifMissing(ort, bundle.settings(), 1, unused));
        assertTrue(unused.closed, "an engine with its own search needs no device search: it is closed");
    }

    /** A device search backed by the ONNX Runtime head, fitting banks up to {@code rows} rows. */
    static final class Device implements dev.anomalyedge.engine.BankSearch {
        final int rows;
        final AtomicInteger searches = new AtomicInteger();
        volatile RuntimeException failure;
        volatile boolean closed;

        Device(int rows) { this.rows = rows; }

        @Override public String backend() { return "fake-gpu"; }
        @Override public boolean fits(MemoryBank bank) { return bank.size() <= rows; }

        @Override
        public AnomalyEngine.ScoreBatch search(AnomalyEngine.FeatureBatch f, MemoryBank bank) {
            searches.incrementAndGet();
            if (failure != null) throw failure;
            return ort.searchBank(f, bank);
        }

        @Override public void close() { closed = true; }
    }

    private static float[] images(int batch, int size, long seed) {
        Random r = new Random(seed);
        float[] x = new float[3 * size * size * batch];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        return x;
    }

    /** The ONNX Runtime engine seen as one without a bank search, whose score and features come from one run each call. */
    static final class Headless implements AnomalyEngine {
        final OrtAnomalyEngine engine;
        final AtomicInteger runs = new AtomicInteger();
        volatile boolean closed;

        Headless(OrtAnomalyEngine engine) { this.engine = engine; }

        @Override public int imageSize() { return engine.imageSize(); }
        @Override public String backend() { return "headless-" + engine.backend(); }
        @Override public ScoreBatch score(float[] images, int batch) { runs.incrementAndGet(); return engine.score(images, batch); }
        @Override public FeatureBatch features(float[] images, int batch) { runs.incrementAndGet(); return engine.features(images, batch); }

        /** As TensorRT does: one run for all four outputs. */
        @Override
        public ScoredFeatures scoreAndFeatures(float[] images, int batch) {
            runs.incrementAndGet();
            var out = engine.run(images, batch, List.of(ScoringGraphBuilder.OUTPUT_IMAGE_SCORE, ScoringGraphBuilder.OUTPUT_ANOMALY_MAP,
                    ScoringGraphBuilder.OUTPUT_PATCH_FEATURES, ScoringGraphBuilder.OUTPUT_IMAGE_FEATURES));
            var pf = out.get(ScoringGraphBuilder.OUTPUT_PATCH_FEATURES);
            return new ScoredFeatures(
                    new ScoreBatch(batch, imageSize(), out.get(ScoringGraphBuilder.OUTPUT_IMAGE_SCORE).floats(),
                            out.get(ScoringGraphBuilder.OUTPUT_ANOMALY_MAP).floats()),
                    new FeatureBatch(batch, (int) pf.shape()[0], (int) pf.shape()[2], (int) pf.shape()[3], pf.floats(),
                            out.get(ScoringGraphBuilder.OUTPUT_IMAGE_FEATURES).floats()));
        }

        @Override public void close() { closed = true; }
    }
}
