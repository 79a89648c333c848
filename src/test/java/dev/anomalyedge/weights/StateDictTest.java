package dev.anomalyedge.weights;

import dev.anomalyedge.testing.Golden;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Lookups on a state dict read from a golden file fail with the file, key, expected and found in the message. */
class StateDictTest {
    static final Path PTH = Golden.caseDir("case3_p14_s98_1head").resolve("clip/clip_weights.pth");

    private static void assertMessage(CheckpointException e, String... parts) {
        assertTrue(e.getMessage().contains(PTH.toString()), "message names the file: " + e.getMessage());
        for (String p : parts) assertTrue(e.getMessage().contains(p), "message should contain '" + p + "': " + e.getMessage());
    }

    @Test
    void missingKey() {
        StateDict sd = Checkpoints.read(PTH);
        assertMessage(assertThrows(CheckpointException.class, () -> sd.get("visual.attnpool.c_proj.weight")),
                "missing key 'visual.attnpool.c_proj.weight'");
    }

    @Test
    void wrongShape() {
        StateDict sd = Checkpoints.read(PTH);
        assertEquals(64, sd.get("visual.conv1.weight", 64, 3, 14, 14).dim(0));
        assertMessage(assertThrows(CheckpointException.class, () -> sd.floats("visual.conv1.weight", 64, 3, 16, 16)),
                "'visual.conv1.weight'", "expected shape [64, 3, 16, 16]", "found [64, 3, 14, 14]");
    }

    @Test
    void integerTensorWhereFloatsAreExpected() {
        StateDict sd = Checkpoints.read(PTH);
        assertMessage(assertThrows(CheckpointException.class, () -> sd.floats("input_resolution")),
                "'input_resolution'", "expected a floating-point tensor", "I64");
    }

    @Test
    void withPrefixKeepsTheSourceForMessages() {
        StateDict visual = Checkpoints.read(PTH).withPrefix("visual.");
        assertTrue(visual.contains("conv1.weight"));
        assertMessage(assertThrows(CheckpointException.class, () -> visual.get("token_embedding.weight")),
                "missing key 'token_embedding.weight'");
    }
}
