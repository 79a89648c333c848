package dev.anomalyedge.inspection;

import dev.anomalyedge.bundle.ModelBundle;
import dev.anomalyedge.bundle.ModelRepository;
import dev.anomalyedge.image.ImageDecoder;
import dev.anomalyedge.image.LargePng;
import dev.anomalyedge.image.PillowImage;
import dev.anomalyedge.image.PixelMode;
import dev.anomalyedge.image.Preprocessor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Overload and deadlines: refused or expired requests are never stored or published. */
class InspectionServiceTest {
    FakeEngine engine;
    ModelManager models;
    BatchingWorker worker;
    List<InspectionResult> published;
    /** The input bytes the sink got with each result (by result id; absent when it got none). */
    java.util.Map<String, byte[]> inputs;
    InspectionService service;
    byte[] png;

    @BeforeEach
    void setUp() throws Exception {
        ModelBundle demo = TestBundles.demoBundle();
        engine = new FakeEngine(demo.imageSize());
        models = new ModelManager(new ModelRepository(demo.dir().getParent().getParent()), b -> engine, 1, null);
        models.activate("demo", "untrained-1");
        published = new CopyOnWriteArrayList<>();
        inputs = new java.util.concurrent.ConcurrentHashMap<>();
        png = Files.readAllBytes(demo.dir().getParent().getParent().getParent().resolve("images/part_00_good.png"));
    }

    void start(int capacity, Duration deadline) {
        start(capacity, deadline, new ImageDecoder(), new DecodeGate(2, Duration.ofSeconds(5)), 4);
    }

    void start(int capacity, Duration deadline, ImageDecoder decoder, DecodeGate gate, int subsampleMinScale) {
        if (worker != null) worker.close();
        worker = new BatchingWorker(1, Duration.ZERO, capacity, new BatchingWorkerTest.Counting());
        service = new InspectionService(models, worker, new ResultStore(10), decoder, gate, subsampleMinScale, deadline, (r, input) -> {
            if (input != null) inputs.put(r.id(), input);
            published.add(r);
        });
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
        assertSame(png, inputs.get(r.id()), "the sink gets the bytes as received");
        assertTrue(service.store().get(r.id()).isPresent());
        assertEquals(Calibration.Verdict.UNCALIBRATED, r.verdict());
    }

    @Test
    void aFullQueueIsRefusedWithUnavailable() throws Exception {
        start(1, Duration.ofSeconds(10));
        engine.gate = new CountDownLatch(1);
        engine.entered = new CountDownLatch(1);
        InspectionService.Pending first = service.submit(png, "1.png", null);
        assertTrue(engine.entered.await(10, TimeUnit.SECONDS), "the worker took the first request and is held in the engine");
        assertEquals(0, worker.queued());
        InspectionService.Pending second = service.submit(png, "2.png", null); // waits in the queue (capacity 1)
        InspectionException e = assertThrows(InspectionException.class, () -> service.submit(png, "3.png", null));
        assertEquals(InspectionException.Kind.UNAVAILABLE, e.kind());
        assertEquals(ErrorCode.QUEUE_FULL, e.code());
        assertTrue(e.getMessage().contains("queue is full"), e.getMessage());
        assertError(e, "3.png", null, "queue_full", 20);
        engine.gate.countDown();
        service.await(first);
        service.await(second);
        assertEquals(3, published.size(), "the refused trigger is answered too");
        assertEquals(2, published.stream().filter(r -> !r.failed()).count());
    }

    @Test
    void aMissedDeadlineAnswersDeadlineExceededWithAnErrorResult() {
        start(4, Duration.ofMillis(300));
        engine.gate = new CountDownLatch(1); // the engine never answers in time
        InspectionException e = assertThrows(InspectionException.class, () -> service.inspect(png, "slow.png", "P9"));
        assertEquals(InspectionException.Kind.DEADLINE_EXCEEDED, e.kind());
        engine.gate.countDown();
        assertError(e, "slow.png", "P9", "deadline_exceeded", 30);
        assertSame(png, inputs.get(e.result().id()), "a late image's bytes reach the sink with its ERROR result");
        assertEquals(1, service.store().size(), "the ERROR result can be fetched like any result");
        assertEquals("demo", e.result().model().name(), "it names the model that was serving");
    }

    /** {@code e} carries the one ERROR result that was published for it: verdict ERROR, not a pass, no score. */
    private void assertError(InspectionException e, String source, String partId, String code, int resultCode) {
        InspectionResult r = e.result();
        assertNotNull(r, "the failure carries its ERROR result");
        assertTrue(published.contains(r), "the ERROR result was published");
        assertEquals(Calibration.Verdict.ERROR, r.verdict());
        assertEquals(resultCode, r.resultCode());
        assertFalse(r.pass());
        assertNull(r.score());
        assertEquals(code, r.error().code());
        assertEquals(e.getMessage(), r.error().detail());
        assertEquals(source, r.source());
        assertEquals(partId, r.partId());
    }

    @Test
    void aNormalImageGivesThePreprocessorsPictureAndTensor() {
        start(4, Duration.ofSeconds(10));
        InspectionResult r = service.inspect(png, "a.png", null);
        Preprocessor pre = new Preprocessor(engine.size);
        PillowImage decoded = new ImageDecoder().decode(png, "a.png");
        assertEquals(pre.resizeRgb(decoded), r.resized());
        assertEquals(pre.image(decoded)[0], r.score().floatValue(), "the fake engine scores the first tensor value");
    }

    @Test
    void aHugeSixteenBitImageIsSubsampledWhileDecodingNeverHeldAtFullSize() {
        // 64 MB per image: the full-size decode would need 480 MB (6400x6250 x (8 raster + 4 copy) bytes)
        ImageDecoder decoder = new ImageDecoder(40_000_000, 64L << 20);
        start(4, Duration.ofSeconds(60), decoder, new DecodeGate(1, Duration.ofSeconds(5)), 4);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        InspectionResult r = service.inspect(LargePng.reportedUpload(), "huge.png", null);
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertEquals(engine.size, r.resized().width());
        assertEquals(PixelMode.RGB, r.resized().mode());
        // subsampled by 7x6 for the 224 px model: about 1 MP decoded; the full-size path allocated ~800 MB
        assertTrue(allocated < 100L << 20, "allocated " + (allocated >> 20) + " MiB while decoding and pre-processing");

        // without subsampling the same image is over the budget: 413 from the header, nothing decoded
        start(4, Duration.ofSeconds(60), decoder, new DecodeGate(1, Duration.ofSeconds(5)), 0);
        InspectionException e = assertThrows(InspectionException.class, () -> service.inspect(LargePng.reportedUpload(), "huge.png", null));
        assertEquals(InspectionException.Kind.TOO_LARGE, e.kind());
        assertTrue(e.getMessage().contains("needs 480000000 bytes decoded"), e.getMessage());
        assertError(e, "huge.png", null, "too_large", 13);
        assertEquals(2, published.size());
    }

    @Test
    void busyDecodersAnswerUnavailableWithAnErrorResult() throws Exception {
        DecodeGate gate = new DecodeGate(1, Duration.ofMillis(50));
        start(4, Duration.ofSeconds(10), new ImageDecoder(), gate, 4);
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch hold = new CountDownLatch(1);
        CompletableFuture<Object> busy = CompletableFuture.supplyAsync(() -> gate.run("other", () -> {
            inside.countDown();
            try {
                return hold.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                return null;
            }
        }));
        assertTrue(inside.await(10, TimeUnit.SECONDS), "the other decode holds the only slot");
        InspectionException e = assertThrows(InspectionException.class, () -> service.inspect(png, "a.png", null));
        assertEquals(InspectionException.Kind.UNAVAILABLE, e.kind());
        assertTrue(e.getMessage().contains("decode slots are busy"), e.getMessage());
        assertError(e, "a.png", null, "busy", 22);
        hold.countDown();
        busy.get(5, TimeUnit.SECONDS);
        InspectionResult ok = service.inspect(png, "a.png", null);
        assertEquals(List.of(e.result(), ok), published);
    }

    @Test
    void badImagesAreClassified() {
        start(4, Duration.ofSeconds(10));
        InspectionException empty = assertThrows(InspectionException.class, () -> service.inspect(new byte[0], "empty", "E1"));
        assertEquals(InspectionException.Kind.BAD_REQUEST, empty.kind());
        assertError(empty, "empty", "E1", "bad_request", 10);
        InspectionException gif = assertThrows(InspectionException.class, () -> service.inspect("GIF89a...".getBytes(), "x.gif", null));
        assertEquals(InspectionException.Kind.UNPROCESSABLE, gif.kind());
        assertError(gif, "x.gif", null, "undecodable", 12);
        assertEquals(2, published.size());
        assertEquals("GIF89a...", new String(inputs.get(gif.result().id())), "an ERROR result's sink gets the bytes too");
    }

    @Test
    void withoutAModelTheTriggerIsAnsweredNoModel() {
        start(4, Duration.ofSeconds(10));
        models.close();
        InspectionException e = assertThrows(InspectionException.class, () -> service.inspect(png, "a.png", "P2"));
        assertEquals(ErrorCode.NO_MODEL, e.code());
        assertError(e, "a.png", "P2", "no_model", 21);
        assertNull(e.result().model());
    }

    @Test
    void aFailureOutsideThePipelineIsAnsweredOnce() {
        start(4, Duration.ofSeconds(10));
        InspectionException upload = new InspectionException(InspectionException.Kind.TOO_LARGE, "upload exceeds 10 bytes");
        InspectionException answered = service.failed(upload, "big.png", "P3");
        assertSame(upload, answered);
        assertError(answered, "big.png", "P3", "too_large", 13);
        assertSame(answered, service.failed(answered, "big.png", "P3"), "an exception that carries its result is not answered twice");
        assertEquals(1, published.size());
    }
}
