package dev.anomalyedge.training;

import dev.anomalyedge.tensor.Tensor;
import dev.anomalyedge.testing.Golden;
import dev.anomalyedge.weights.Checkpoints;
import dev.anomalyedge.weights.Safetensors;
import dev.anomalyedge.weights.StateDict;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipFile;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

class TorchCheckpointWriterTest {
    @TempDir
    Path tmp;

    /** The golden prompt learner written as AnomalyCLIP's .pth reads back equal to the reference's own .pth. */
    @Test
    void promptLearnerRoundTripsThroughTheReadersOfTheOfficialFormat() throws Exception {
        Path dir = Golden.caseDir("case1_p14_s112_taps4").resolve("prompt_learner");
        StateDict reference = Checkpoints.readPromptLearner(dir.resolve("prompt_learner_init.pth"));
        Map<String, Tensor> state = Safetensors.read(dir.resolve("prompt_learner_init.safetensors")).asMap();
        Path out = tmp.resolve("epoch_15.pth");
        TorchCheckpointWriter.writePromptLearner(out, state);

        assertEquals(Checkpoints.Format.TORCH_ZIP, Checkpoints.detect(out));
        StateDict back = Checkpoints.readPromptLearner(out);
        assertEquals(List.copyOf(state.keySet()), List.copyOf(back.keys()), "the reference's key names, in order");
        for (String key : reference.keys()) {
            Tensor want = reference.get(key), got = back.get(key);
            assertArrayEquals(want.shape(), got.shape(), key);
            assertEquals(want.dtype(), got.dtype(), key);
            if (want.isFloating()) assertArrayEquals(want.floats(), got.floats(), 0f, key);
            else assertArrayEquals(want.longs(), got.longs(), key);
        }
        try (ZipFile zip = new ZipFile(out.toFile())) {
            assertNotNull(zip.getEntry("epoch_15/data.pkl"));
            assertNotNull(zip.getEntry("epoch_15/version"));
            assertEquals(java.util.zip.ZipEntry.STORED, zip.getEntry("epoch_15/data/0").getMethod());
        }
    }
}
