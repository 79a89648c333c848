package dev.anomalyedge.training;

import dev.anomalyedge.bundle.BundleExporter;
import dev.anomalyedge.bundle.ModelBundle;
import dev.anomalyedge.demo.DemoModel;
import dev.anomalyedge.tensor.DType;
import dev.anomalyedge.testing.Golden;
import dev.anomalyedge.training.data.SyntheticDataset;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * Shared inputs of the training tests, made once per JVM: the demo model's checkpoints (tiny random CLIP, 224 px),
 * its untrained bundle, and synthetic data sets in the MVTec layout (a training split, a separate test split with
 * other seeds, and a good-only set).
 */
public final class DemoFixture {
    public final Path dir, clip, prompts, train, test, goodOnly;
    private ModelBundle untrained;

    private static DemoFixture instance;

    private DemoFixture() {
        dir = Golden.tempDir("training-fixture-");
        try {
            DemoModel.Checkpoints ck = DemoModel.writeCheckpoints(DemoModel.architecture(), DemoModel.settings(), DemoModel.SEED,
                    dir.resolve("checkpoints/demo_clip.safetensors"), dir.resolve("checkpoints/demo_prompt_learner.safetensors"), DType.F32);
            clip = ck.clip();
            prompts = ck.prompts();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        train = SyntheticDataset.generate(dir.resolve("data/train"), 101, 0, 10, 14, 224);
        test = SyntheticDataset.generate(dir.resolve("data/test"), 202, 0, 10, 14, 224);
        goodOnly = SyntheticDataset.generate(dir.resolve("data/good-only"), 303, 6, 0, 0, 224);
    }

    public static synchronized DemoFixture get() {
        if (instance == null) instance = new DemoFixture();
        return instance;
    }

    /** The untrained demo bundle (the prompt learner training starts from). */
    public synchronized ModelBundle untrainedBundle() {
        if (untrained == null) {
            try {
                untrained = new BundleExporter(s -> { }).export(new BundleExporter.Request(clip, prompts, DemoModel.settings(), null, null,
                        dir.resolve("models/demo/untrained"), "demo", "untrained", true, DemoModel.NOTE));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return untrained;
    }

    /** The model options of the demo model on the command line. */
    public static String[] modelOptions() {
        return new String[] {"--image-size", "224", "--features-list", "2,4,6", "--dpam", "6", "--depth", "3"};
    }
}
