package dev.anomalyedge.training;

import dev.anomalyedge.demo.DemoModel;
import dev.anomalyedge.training.data.Format;
import dev.anomalyedge.training.torch.Recipe;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainingJobsTest {
    static DemoFixture fx;

    @TempDir
    Path tmp;

    @BeforeAll
    static void fixture() {
        fx = DemoFixture.get();
    }

    TrainRequest request(String version, int epochs) {
        return TrainRequest.builder(fx.clip, DemoModel.settings(), fx.train, tmp.resolve("models/demo/" + version))
                .prompts(fx.prompts).format(Format.MVTEC).trainer(epochs, 8, 1e-3, 111, Recipe.OFFICIAL)
                .cache(tmp.resolve("cache"), 1L << 30).threads(2).engineBatch(4).build();
    }

    /**
     * Waits for a condition on a job's status, checking it every few milliseconds up to a deadline: for the states
     * TrainingJobs has no hook for (progress phases). The end of a job is awaited through {@link Finished} instead.
     */
    static TrainingJobs.JobStatus await(TrainingJobs jobs, String id, Predicate<TrainingJobs.JobStatus> until) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        TrainingJobs.JobStatus s = jobs.status(id).orElseThrow();
        while (!until.test(s)) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting; last status " + s);
            TimeUnit.MILLISECONDS.sleep(20); // poll interval of the condition, not an ordering delay
            s = jobs.status(id).orElseThrow();
        }
        return s;
    }

    /** The onFinish hook of TrainingJobs as one future per job id: completes with the final status of the job. */
    static final class Finished implements Consumer<TrainingJobs.JobStatus> {
        private final Map<String, CompletableFuture<TrainingJobs.JobStatus>> byId = new ConcurrentHashMap<>();
        final List<TrainingJobs.JobStatus> all = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void accept(TrainingJobs.JobStatus s) {
            all.add(s);
            future(s.id()).complete(s);
        }

        private CompletableFuture<TrainingJobs.JobStatus> future(String id) {
            return byId.computeIfAbsent(id, k -> new CompletableFuture<>());
        }

        TrainingJobs.JobStatus await(String id) throws Exception {
            return future(id).get(120, TimeUnit.SECONDS);
        }
    }

    @Test
    void aJobReportsProgressAndFinishesWithItsBundleAndMetrics() throws Exception {
        Finished finished = new Finished();
        try (TrainingJobs jobs = new TrainingJobs(finished)) {
            String id = jobs.start(request("job-1", 2));
            TrainingJobs.JobStatus training = await(jobs, id, s -> s.progress() != null
                    && s.progress().phase() == TrainingProgress.Phase.TRAINING || s.state().finished());
            assertEquals(TrainingJobs.State.RUNNING, training.state(), "seen while training: " + training);
            TrainingProgress p = training.progress();
            assertEquals(2, p.epochs());
            assertEquals(2 * 3, p.totalSteps());
            assertTrue(p.step() >= 1 && Double.isFinite(p.loss()) && p.epoch() >= 1, p.toString());
            assertTrue(Double.isFinite(p.etaSeconds()) && p.etaSeconds() >= 0, p.toString());
            assertNotNull(training.started());

            TrainingJobs.JobStatus done = finished.await(id);
            assertEquals(TrainingJobs.State.SUCCEEDED, done.state(), done.error());
            assertEquals(done, jobs.status(id).orElseThrow(), "the hook sees the final status");
            assertEquals(tmp.resolve("models/demo/job-1").toString(), done.bundleDir());
            assertEquals(2, done.epochLosses().size());
            assertNotNull(done.metrics().get("training"));
            assertNotNull(done.metrics().get("training_before"));
            assertNull(done.calibration(), "no validation data, no calibration");
            assertEquals(TrainingProgress.Phase.DONE, done.progress().phase());
            assertTrue(done.log().stream().anyMatch(l -> l.startsWith("epoch 2: mean loss")), done.log().toString());
            assertEquals(List.of(id), jobs.list().stream().map(TrainingJobs.JobStatus::id).toList());
            assertEquals(List.of(done), finished.all, "the hook ran once");
        }
    }

    @Test
    void cancellingStopsARunningJobAndDropsAQueuedOneWithoutWritingBundles() throws Exception {
        Finished finished = new Finished();
        try (TrainingJobs jobs = new TrainingJobs(finished)) {
            String running = jobs.start(request("long", 500));
            String queued = jobs.start(request("queued", 1));
            // one worker: while the first job trains, the second cannot have started
            await(jobs, running, s -> s.progress() != null && s.progress().phase() == TrainingProgress.Phase.TRAINING);
            assertEquals(TrainingJobs.State.QUEUED, jobs.status(queued).orElseThrow().state());

            assertTrue(jobs.cancel(queued));
            assertEquals(TrainingJobs.State.CANCELLED, jobs.status(queued).orElseThrow().state());
            assertTrue(jobs.cancel(running));
            TrainingJobs.JobStatus s = finished.await(running);
            assertEquals(TrainingJobs.State.CANCELLED, s.state());
            assertEquals("cancelled", s.error());
            assertTrue(s.progress().step() < 500 * 3, "stopped early at step " + s.progress().step());
            assertFalse(jobs.cancel(running), "already finished");
            assertFalse(jobs.cancel("no-such-job"));
            assertTrue(jobs.status("no-such-job").isEmpty());

            // the queued job must never start: once the worker has terminated nothing can run any more
            assertTrue(jobs.close(60), "the worker stops");
            TrainingJobs.JobStatus dropped = jobs.status(queued).orElseThrow();
            assertEquals(TrainingJobs.State.CANCELLED, dropped.state());
            assertNull(dropped.started());
            assertTrue(dropped.log().stream().noneMatch(l -> l.startsWith("started")), dropped.log().toString());
            assertEquals(List.of(queued, running), finished.all.stream().map(TrainingJobs.JobStatus::id).toList(), "each end reported once");
            assertFalse(Files.exists(tmp.resolve("models/demo/long")));
            assertFalse(Files.exists(tmp.resolve("models/demo/queued")));
            try (var dir = Files.list(tmp.resolve("models/demo"))) {
                assertEquals(0, dir.count(), "no scratch folder left behind");
            }
        }
    }

    @Test
    void aFailingJobReportsWhy() throws Exception {
        Finished finished = new Finished();
        try (TrainingJobs jobs = new TrainingJobs(finished)) {
            TrainRequest bad = TrainRequest.builder(fx.clip, DemoModel.settings(), tmp.resolve("missing"), tmp.resolve("models/x/1"))
                    .cache(tmp.resolve("cache"), 1L << 20).threads(1).build();
            String id = jobs.start(bad);
            TrainingJobs.JobStatus s = finished.await(id);
            assertEquals(TrainingJobs.State.FAILED, s.state());
            assertTrue(s.error().contains("missing") && s.error().contains("does not exist"), s.error());
        }
    }
}
