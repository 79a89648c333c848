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

    static TrainingJobs.JobStatus await(TrainingJobs jobs, String id, Predicate<TrainingJobs.JobStatus> until) throws InterruptedException {
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (System.nanoTime() < deadline) {
            TrainingJobs.JobStatus s = jobs.status(id).orElseThrow();
            if (until.test(s)) return s;
            Thread.sleep(50);
        }
        throw new AssertionError("timed out waiting; last status " + jobs.status(id).orElseThrow());
    }

    @Test
    void aJobReportsProgressAndFinishesWithItsBundleAndMetrics() throws Exception {
        List<TrainingJobs.JobStatus> finished = Collections.synchronizedList(new ArrayList<>());
        try (TrainingJobs jobs = new TrainingJobs(finished::add)) {
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

            TrainingJobs.JobStatus done = await(jobs, id, s -> s.state().finished());
            assertEquals(TrainingJobs.State.SUCCEEDED, done.state(), done.error());
            assertEquals(tmp.resolve("models/demo/job-1").toString(), done.bundleDir());
            assertEquals(2, done.epochLosses().size());
            assertNotNull(done.metrics().get("training"));
            assertNotNull(done.metrics().get("training_before"));
            assertNull(done.calibration(), "no validation data, no calibration");
            assertEquals(TrainingProgress.Phase.DONE, done.progress().phase());
            assertTrue(done.log().stream().anyMatch(l -> l.startsWith("epoch 2: mean loss")), done.log().toString());
            assertEquals(List.of(id), jobs.list().stream().map(TrainingJobs.JobStatus::id).toList());
            await(jobs, id, s -> !finished.isEmpty());
            assertEquals(TrainingJobs.State.SUCCEEDED, finished.get(0).state());
        }
    }

    @Test
    void cancellingStopsARunningJobAndDropsAQueuedOneWithoutWritingBundles() throws Exception {
        try (TrainingJobs jobs = new TrainingJobs()) {
            String running = jobs.start(request("long", 500));
            String queued = jobs.start(request("queued", 1));
            await(jobs, running, s -> s.progress() != null && s.progress().phase() == TrainingProgress.Phase.TRAINING);
            assertEquals(TrainingJobs.State.QUEUED, jobs.status(queued).orElseThrow().state());

            assertTrue(jobs.cancel(queued));
            assertEquals(TrainingJobs.State.CANCELLED, jobs.status(queued).orElseThrow().state());
            assertTrue(jobs.cancel(running));
            TrainingJobs.JobStatus s = await(jobs, running, x -> x.state().finished());
            assertEquals(TrainingJobs.State.CANCELLED, s.state());
            assertEquals("cancelled", s.error());
            assertTrue(s.progress().step() < 500 * 3, "stopped early at step " + s.progress().step());
            assertFalse(jobs.cancel(running), "already finished");
            assertFalse(jobs.cancel("no-such-job"));
            assertTrue(jobs.status("no-such-job").isEmpty());
            Thread.sleep(200); // the queued job must never start
            assertEquals(TrainingJobs.State.CANCELLED, jobs.status(queued).orElseThrow().state());
            assertNull(jobs.status(queued).orElseThrow().started());
            assertFalse(Files.exists(tmp.resolve("models/demo/long")));
            assertFalse(Files.exists(tmp.resolve("models/demo/queued")));
            try (var dir = Files.list(tmp.resolve("models/demo"))) {
                assertEquals(0, dir.count(), "no scratch folder left behind");
            }
        }
    }

    @Test
    void aFailingJobReportsWhy() throws Exception {
        try (TrainingJobs jobs = new TrainingJobs()) {
            TrainRequest bad = TrainRequest.builder(fx.clip, DemoModel.settings(), tmp.resolve("missing"), tmp.resolve("models/x/1"))
                    .cache(tmp.resolve("cache"), 1L << 20).threads(1).build();
            String id = jobs.start(bad);
            TrainingJobs.JobStatus s = await(jobs, id, x -> x.state().finished());
            assertEquals(TrainingJobs.State.FAILED, s.state());
            assertTrue(s.error().contains("missing") && s.error().contains("does not exist"), s.error());
        }
    }
}
