package dev.anomalyedge.inspection;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BatchingWorkerTest {
    static final class Counting implements BatchingWorker.Listener {
        final AtomicInteger batches = new AtomicInteger();
        final AtomicInteger expired = new AtomicInteger();

        @Override
        public void batch(int size, long inferenceNanos) { batches.incrementAndGet(); }

        @Override
        public void queued(long queueNanos) { }

        @Override
        public void expired() { expired.incrementAndGet(); }
    }

    static LoadedModel model(FakeEngine engine) {
        return new LoadedModel(TestBundles.demoBundle(), engine);
    }

    static float[] image(int size, float value) {
        float[] f = new float[3 * size * size];
        f[0] = value;
        return f;
    }

    @Test
    void waitingRequestsAreRunTogetherUpToTheMaximumBatch() throws Exception {
        FakeEngine engine = new FakeEngine(8);
        engine.gate = new CountDownLatch(1);
        Counting listener = new Counting();
        LoadedModel m = model(engine);
        try (BatchingWorker w = new BatchingWorker(4, Duration.ofMillis(50), 64, listener)) {
            List<BatchingWorker.Job> jobs = new ArrayList<>();
            for (int i = 0; i < 9; i++) {
                BatchingWorker.Job j = new BatchingWorker.Job(m, image(8, i), System.nanoTime() + 10_000_000_000L);
                assertTrue(w.offer(j));
                jobs.add(j);
            }
            engine.gate.countDown(); // first batch held until everything is queued
            for (int i = 0; i < 9; i++) {
                BatchingWorker.Scored s = jobs.get(i).result().get(10, TimeUnit.SECONDS);
                assertEquals(i, s.score(), 0, "each request gets its own image's result");
            }
            assertEquals(9, engine.batches.stream().mapToInt(Integer::intValue).sum());
            assertTrue(engine.batches.stream().allMatch(b -> b <= 4), "batches " + engine.batches);
            assertTrue(engine.batches.stream().anyMatch(b -> b > 1), "some batching happened: " + engine.batches);
        }
    }

    @Test
    void aFullQueueRefusesAtOnce() throws Exception {
        FakeEngine engine = new FakeEngine(8);
        engine.gate = new CountDownLatch(1);
        LoadedModel m = model(engine);
        try (BatchingWorker w = new BatchingWorker(1, Duration.ZERO, 2, new Counting())) {
            assertTrue(w.offer(new BatchingWorker.Job(m, image(8, 0), System.nanoTime() + 10_000_000_000L)));
            assertTrue(engine.entered.await(10, TimeUnit.SECONDS), "the worker holds the first job in the (blocked) engine");
            assertTrue(w.offer(new BatchingWorker.Job(m, image(8, 1), System.nanoTime() + 10_000_000_000L)));
            assertTrue(w.offer(new BatchingWorker.Job(m, image(8, 2), System.nanoTime() + 10_000_000_000L)));
            assertEquals(2, w.queued());
            assertFalse(w.offer(new BatchingWorker.Job(m, image(8, 3), System.nanoTime() + 10_000_000_000L)),
                    "capacity 2 is full: refused at once");
            engine.gate.countDown();
        }
    }

    @Test
    void requestsPastTheirDeadlineAreNotRunAndAreCounted() throws Exception {
        FakeEngine engine = new FakeEngine(8);
        engine.gate = new CountDownLatch(1);
        Counting listener = new Counting();
        LoadedModel m = model(engine);
        try (BatchingWorker w = new BatchingWorker(1, Duration.ZERO, 8, listener)) {
            BatchingWorker.Job blocker = new BatchingWorker.Job(m, image(8, 1), System.nanoTime() + 10_000_000_000L);
            assertTrue(w.offer(blocker));
            assertTrue(engine.entered.await(10, TimeUnit.SECONDS), "the blocker is in the engine");
            // queued behind the blocker with a deadline that has already passed when the worker looks at it
            BatchingWorker.Job late = new BatchingWorker.Job(m, image(8, 2), System.nanoTime());
            assertTrue(w.offer(late));
            engine.gate.countDown();
            blocker.result().get(10, TimeUnit.SECONDS);
            ExecutionException e = assertThrows(ExecutionException.class, () -> late.result().get(10, TimeUnit.SECONDS));
            assertInstanceOf(BatchingWorker.DeadlineExceededException.class, e.getCause());
            assertEquals(1, listener.expired.get());
            assertEquals(List.of(1), engine.batches, "the late request never reached the engine");
        }
    }

    @Test
    void anErrorInTheEngineAnswersEveryRequestOfTheBatch() throws Exception {
        FakeEngine engine = new FakeEngine(8);
        engine.fails = new OutOfMemoryError("native arena exhausted");
        LoadedModel m = model(engine);
        try (BatchingWorker w = new BatchingWorker(4, Duration.ofMillis(20), 8, new Counting())) {
            BatchingWorker.Job a = new BatchingWorker.Job(m, image(8, 1), System.nanoTime() + 60_000_000_000L);
            BatchingWorker.Job b = new BatchingWorker.Job(m, image(8, 2), System.nanoTime() + 60_000_000_000L);
            assertTrue(w.offer(a));
            assertTrue(w.offer(b));
            for (BatchingWorker.Job j : List.of(a, b)) {
                ExecutionException e = assertThrows(ExecutionException.class, () -> j.result().get(5, TimeUnit.SECONDS),
                        "answered at once, not left to the 60 s deadline");
                assertTrue(e.getCause().getMessage().contains("native arena exhausted"), e.getCause().toString());
            }
            // the worker survives the Error and serves the next request
            engine.fails = null;
            BatchingWorker.Job c = new BatchingWorker.Job(m, image(8, 3), System.nanoTime() + 60_000_000_000L);
            assertTrue(w.offer(c));
            assertEquals(3, c.result().get(5, TimeUnit.SECONDS).score(), 0);
            assertTrue(w.unhealthy(Duration.ofMinutes(1)).isEmpty());
        }
    }

    @Test
    void aBatchRunningPastTheBoundMakesTheWorkerUnhealthy() throws Exception {
        FakeEngine engine = new FakeEngine(8);
        engine.gate = new CountDownLatch(1);
        LoadedModel m = model(engine);
        BatchingWorker w = new BatchingWorker(1, Duration.ZERO, 8, new Counting());
        try {
            assertTrue(w.unhealthy(Duration.ZERO).isEmpty(), "idle is healthy whatever the bound");
            BatchingWorker.Job j = new BatchingWorker.Job(m, image(8, 1), System.nanoTime() + 60_000_000_000L);
            assertTrue(w.offer(j));
            assertTrue(engine.entered.await(5, TimeUnit.SECONDS));
            assertTrue(w.unhealthy(Duration.ofMinutes(5)).isEmpty(), "busy within the bound is healthy");
            String reason = w.unhealthy(Duration.ZERO).orElseThrow();
            assertTrue(reason.contains("has been running for"), reason);
            engine.gate.countDown();
            j.result().get(5, TimeUnit.SECONDS);
        } finally {
            w.close();
        }
        assertEquals("the inference worker is stopped", w.unhealthy(Duration.ofMinutes(5)).orElseThrow());
    }
}
