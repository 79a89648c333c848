package dev.anomalyedge.inspection;

import dev.anomalyedge.engine.AnomalyEngine;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LoadedModelTest {

    /**
     * A long job on the shared engine (a recipe's bank build) holds the engine only during each call: the inference
     * worker gets it between two of the job's calls instead of after the whole job.
     */
    @Test
    void aLongJobOnTheSharedEngineLetsTheWorkerInBetweenItsCalls() throws Exception {
        FakeEngine engine = new FakeEngine(2);
        LoadedModel model = new LoadedModel(TestBundles.demoBundle(), engine);
        AnomalyEngine shared = model.sharedEngine();
        CountDownLatch betweenCalls = new CountDownLatch(1), goOn = new CountDownLatch(1);
        CompletableFuture<Integer> job = CompletableFuture.supplyAsync(() -> {
            shared.score(new float[12], 1);
            betweenCalls.countDown();
            await(goOn);
            return shared.score(new float[24], 2).batch();
        });
        assertTrue(betweenCalls.await(10, TimeUnit.SECONDS), "the job's first call returned");
        // the job is between its calls: the worker's batch runs now (it would wait for the whole job if it held the engine)
        int worker = CompletableFuture.supplyAsync(() -> model.withEngine(e -> e.score(new float[12], 1).batch()))
                .get(10, TimeUnit.SECONDS);
        assertEquals(1, worker);
        goOn.countDown();
        assertEquals(2, job.get(10, TimeUnit.SECONDS));
        assertEquals(java.util.List.of(1, 1, 2), engine.batches);
    }

    @Test
    void theSharedEngineIsAViewThatDoesNotCloseTheModelsEngine() {
        FakeEngine engine = new FakeEngine(2);
        LoadedModel model = new LoadedModel(TestBundles.demoBundle(), engine);
        AnomalyEngine shared = model.sharedEngine();
        assertEquals(engine.imageSize(), shared.imageSize());
        assertEquals(engine.backend(), shared.backend());
        assertEquals(engine.hasFewShotHead(), shared.hasFewShotHead());
        shared.close();
        assertFalse(engine.closed, "the model owns its engine");
        model.release();
        assertTrue(engine.closed, "closed by the model's last reference");
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(10, TimeUnit.SECONDS)) throw new IllegalStateException("not released");
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }
}
