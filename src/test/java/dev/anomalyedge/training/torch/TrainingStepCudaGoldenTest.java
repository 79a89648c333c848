package dev.anomalyedge.training.torch;

import dev.anomalyedge.torch.TorchRuntime;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The golden training step of {@link TrainingStepGoldenTest}, every check and tolerance the same, with libtorch on
 * CUDA. Needs the pytorch preset's GPU natives and a GPU; skipped with the reason everywhere else.
 */
class TrainingStepCudaGoldenTest extends TrainingStepGoldenTest {
    @BeforeAll
    static void onCuda() {
        String skip = null;
        try {
            System.out.println("TrainingStepCudaGoldenTest device: " + TorchRuntime.useDevice("cuda"));
        } catch (IllegalStateException e) {
            skip = e.getMessage();
        }
        if (skip != null) System.out.println("TrainingStepCudaGoldenTest skipped: " + skip);
        assumeTrue(skip == null, skip);
    }

    @AfterAll
    static void backToCpu() {
        TorchRuntime.useDevice("cpu");
    }
}
