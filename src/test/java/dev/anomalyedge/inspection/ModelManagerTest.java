package dev.anomalyedge.inspection;

import dev.anomalyedge.bundle.BundleException;
import dev.anomalyedge.bundle.ModelBundle;
import dev.anomalyedge.bundle.ModelRepository;
import dev.anomalyedge.engine.AnomalyEngine;
import dev.anomalyedge.testing.Golden;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Activation: every failure leaves the serving model in place and closes the engine it had opened for the new one. */
class ModelManagerTest {
    Path repo;
    List<FakeEngine> opened;
    ModelManager models;

    @BeforeEach
    void setUp() throws Exception {
        ModelBundle demo = TestBundles.demoBundle();
        repo = Golden.tempDir("manager-repo-");
        Files.createDirectories(repo.resolve("demo"));
        Files.createSymbolicLink(repo.resolve("demo/one"), demo.dir());
        Files.createSymbolicLink(repo.resolve("demo/two"), demo.dir());
        opened = new ArrayList<>();
        models = new ModelManager(new ModelRepository(repo), b -> open(new FakeEngine(demo.imageSize())), 2, null);
        models.activate("demo", "one");
    }

    @AfterEach
    void tearDown() throws Exception {
        models.close();
        try (Stream<Path> s = Files.walk(repo)) { // the links, not the bundle they point to
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }

    FakeEngine open(FakeEngine e) {
        opened.add(e);
        return e;
    }

    @Test
    void aSwapClosesTheOldEngineAndRecordsTheNewModel() throws Exception {
        models.activate("demo", "two");
        assertEquals("two", models.current().version());
        assertTrue(opened.get(0).closed, "the swapped-out engine is closed");
        assertFalse(opened.get(1).closed);
        assertEquals("demo/two", new ModelRepository(repo).active().orElseThrow().toString());
    }

    @Test
    void aFailedActiveJsonWriteClosesTheNewEngineAndKeepsTheOldOneServing() throws Exception {
        // a non-empty folder where active.json should go: the pointer cannot be replaced
        Files.delete(repo.resolve(ModelRepository.ACTIVE));
        Files.createDirectories(repo.resolve(ModelRepository.ACTIVE).resolve("blocker"));
        ModelManager.ActivationFailed e = assertThrows(ModelManager.ActivationFailed.class, () -> models.activate("demo", "two"));
        assertTrue(e.getMessage().contains("demo/two") && e.getMessage().contains("previous model keeps serving"), e.getMessage());
        assertTrue(opened.get(1).closed, "the engine opened for demo/two is closed");
        assertEquals("one", models.current().version());
        assertFalse(opened.get(0).closed, "the serving engine stays open");
        assertFalse(Files.exists(repo.resolve(ModelRepository.ACTIVE + ".tmp")), "no temporary pointer is left behind");
    }

    @Test
    void anEngineThatCannotBeWrappedIsClosed() {
        ModelManager bad = new ModelManager(new ModelRepository(repo), b -> open(new FakeEngine(0)), 1, null); // image size 0
        assertThrows(BundleException.class, () -> bad.activate("demo", "two"));
        assertTrue(opened.get(opened.size() - 1).closed);
        assertEquals("one", models.current().version());
    }

    @Test
    void anErrorDuringWarmUpClosesTheNewEngine() {
        FailingWarmUp failing = new FailingWarmUp(TestBundles.demoBundle().imageSize());
        ModelManager m = new ModelManager(new ModelRepository(repo), b -> failing, 1, null);
        assertThrows(OutOfMemoryError.class, () -> m.activate("demo", "two"));
        assertTrue(failing.closed);
        assertEquals(null, m.current());
    }

    @Test
    void aFailingSwapReportStillActivates() throws Exception {
        ModelManager m = new ModelManager(new ModelRepository(repo), b -> open(new FakeEngine(TestBundles.demoBundle().imageSize())), 1,
                () -> { throw new IllegalStateException("simulated: metrics or MQTT status failed"); });
        try {
            assertEquals("two", m.activate("demo", "two").version());
            assertEquals("two", m.current().version());
        } finally {
            m.close();
        }
    }

    /** An engine whose first batch fails with an Error (not an exception), as native memory exhaustion would. */
    static final class FailingWarmUp implements AnomalyEngine {
        final int size;
        boolean closed;

        FailingWarmUp(int size) { this.size = size; }

        @Override
        public int imageSize() { return size; }

        @Override
        public String backend() { return "failing"; }

        @Override
        public ScoreBatch score(float[] images, int batch) { throw new OutOfMemoryError("simulated: no memory for the warm-up batch"); }

        @Override
        public FeatureBatch features(float[] images, int batch) { throw new UnsupportedOperationException(); }

        @Override
        public void close() { closed = true; }
    }
}
