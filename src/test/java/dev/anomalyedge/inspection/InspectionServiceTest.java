package dev.anomalyedge.inspection;

import dev.anomalyedge.bundle.ModelBundle;
import dev.anomalyedge.bundle.ModelRepository;
import dev.anomalyedge.image.ImageDecoder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Overload and deadlines: refused or expired requests are never stored or published. */
class InspectionServiceTest {
    FakeEngine engine;
    ModelManager models;
    BatchingWorker worker;
    List<InspectionResult> published;
    InspectionService service;
    byte[] png;

    @BeforeEach
    void setUp() throws Exception {
        ModelBundle demo = TestBundles.demoBundle();
        engine = new FakeEngine(demo.imageSize());
        models = new ModelManager(new ModelRepository(demo.dir().getParent().getParent()), b -> engine, 1, null);
        models.activate("demo", "untrained-1");
        published = new CopyOnWriteArrayList<>();
        png = Files.readAllBytes(demo.dir().getParent().getParent().getParent().resolve("images/part_00_good.png"));
    }

    void start(int capacity, Duration deadline) {
        worker = new BatchingWorker(1, Duration.ZERO, capacity, new BatchingWorkerTest.Counting());
        service = new InspectionService(models, worker, new ResultStore(10), new ImageDecoder(), deadline, published::add);
    }

    @AfterEach
    void tearDown() {
        engine.gate.countDown();
        if (worker != null) worker.close();
        models.close();
    }

    @Test
    void aResultIsStoredAndPublished() {
        start(4, Duration.ofSeconds(10));
        InspectionResult r = service.inspect(png, "a.png", "P1");
        assertEquals("P1", r.partId());
        assertEquals(List.of(r), published);
        assertTrue(service.store().get(r.id()).isPresent());
        assertEquals(Calibration.Verdict.UNCALIBRATED, r.verdict());
    }

    @Test
    void aFullQueueIsRefusedWithUnavailable() throws Exception {
        start(1, Duration.ofSeconds(10));
        engine.gate = new CountDownLatch(1);
        InspectionService.Pending first = service.submit(png, "1.png", null); // taken by the worker, held in the engine
        long until = System.nanoTime() + 5_000_000_000L;
        while (worker.queued() > 0 && System.nanoTime() < until) Thread.sleep(5);
        InspectionService.Pending second = service.submit(png, "2.png", null); // waits in the queue (capacity 1)
        InspectionException e = assertThrows(InspectionException.class, () -> service.submit(png, "3.png", null));
        assertEquals(InspectionException.Kind.UNAVAILABLE, e.kind());
        assertTrue(e.getMessage().contains("queue is full"), e.getMessage());
        engine.gate.countDown();
        service.await(first);
        service.await(second);
        assertEquals(2, published.size(), "only the accepted requests were published");
    }

    @Test
    void aMissedDeadlineAnswersDeadlineExceededAndPublishesNothing() {
        start(4, Duration.ofMillis(300));
        engine.gate = new CountDownLatch(1); // the engine never answers in time
        InspectionException e = assertThrows(InspectionException.class, () -> service.inspect(png, "slow.png", "P9"));
        assertEquals(InspectionException.Kind.DEADLINE_EXCEEDED, e.kind());
        engine.gate.countDown();
        assertTrue(published.isEmpty());
        assertEquals(0, service.store().size());
    }

    @Test
    void badImagesAreClassified() {
        start(4, Duration.ofSeconds(10));
        assertEquals(InspectionException.Kind.BAD_REQUEST,
                assertThrows(InspectionException.class, () -> service.inspect(new byte[0], "empty", null)).kind());
        assertEquals(InspectionException.Kind.UNPROCESSABLE,
                assertThrows(InspectionException.class, () -> service.inspect("GIF89a...".getBytes(), "x.gif", null)).kind());
        assertTrue(published.isEmpty());
    }
}
