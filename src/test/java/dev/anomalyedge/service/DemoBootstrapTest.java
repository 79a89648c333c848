package dev.anomalyedge.service;

import dev.anomalyedge.bundle.BundleExporter;
import dev.anomalyedge.bundle.ModelBundle;
import dev.anomalyedge.bundle.ModelRepository;
import dev.anomalyedge.demo.DemoModel;
import dev.anomalyedge.tensor.DType;
import dev.anomalyedge.testing.Golden;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** When the appliance (re)trains the built-in demo at start-up. */
class DemoBootstrapTest {
    @Test
    void aRepositoryLeftWithOnlyTheUntrainedDemoIsTrainedAgain() throws Exception {
        Path dir = Golden.tempDir("runtime-repo-");
        ModelRepository repo = new ModelRepository(dir);
        assertFalse(DemoBootstrap.onlyTheUntrainedDemo(repo.list()), "an empty repository is the fresh case, not this one");

        DemoModel.Checkpoints ck = DemoModel.writeCheckpoints(DemoModel.architecture(), DemoModel.settings(), DemoModel.SEED,
                dir.resolve(".demo-sources/clip.safetensors"), dir.resolve(".demo-sources/prompts.safetensors"), DType.F32);
        ModelBundle untrained = new BundleExporter(s -> { }).export(new BundleExporter.Request(ck.clip(), ck.prompts(),
                DemoModel.settings(), null, null, repo.bundleDir("demo", "untrained-1"), "demo", "untrained-1", true, DemoModel.NOTE));
        assertTrue(DemoBootstrap.onlyTheUntrainedDemo(repo.list()), "stopped before the demo training finished");

        Path trained = Files.createDirectories(repo.bundleDir("demo", "trained-1"));
        Files.copy(untrained.dir().resolve(ModelBundle.MANIFEST), trained.resolve(ModelBundle.MANIFEST));
        assertFalse(DemoBootstrap.onlyTheUntrainedDemo(repo.list()), "another bundle is there: leave the repository alone");
    }
}
