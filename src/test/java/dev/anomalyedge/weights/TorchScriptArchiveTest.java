package dev.anomalyedge.weights;

import dev.anomalyedge.testing.Golden;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** TorchScript archives beyond the golden equality (see CheckpointsGoldenTest): missing sources, wrong inputs. */
class TorchScriptArchiveTest {
    @TempDir
    Path tmp;

    static final Path CLIP = Golden.caseDir("case3_p14_s98_1head").resolve("clip");
    static final Path SCRIPT = CLIP.resolve("clip_weights_torchscript.pt");

    @Test
    void withoutClassSourcesEveryTensorAttributeIsState() throws IOException {
        // without code/*.py the parameter/buffer split is unknown; the state dict still has every tensor
        Path f = ZipSurgery.copy(SCRIPT, tmp.resolve("nocode.pt"), (name, b) -> name.contains("/code/") ? null : b);
        StateDict withCode = TorchScriptArchive.read(SCRIPT);
        StateDict without = Checkpoints.read(f);
        assertEquals(Set.copyOf(withCode.keys()), Set.copyOf(without.keys()));
        CheckpointsGoldenTest.assertSameTensors(withCode, without, withCode.keys());
    }

    @Test
    void aTorchSaveFileIsNotATorchScriptArchive() {
        Path pth = CLIP.resolve("clip_weights.pth");
        CheckpointException e = assertThrows(CheckpointException.class, () -> TorchScriptArchive.read(pth));
        assertTrue(e.getMessage().contains(pth.toString()) && e.getMessage().contains("not a TorchScript archive")
                && e.getMessage().contains("TorchZipCheckpoint"), e.getMessage());
    }

    @Test
    void missingStorageNamesTheParameter() throws IOException {
        Path f = ZipSurgery.copy(SCRIPT, tmp.resolve("missing.pt"),
                (name, b) -> name.equals("clip_weights_torchscript/data/0") ? null : b);
        CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoints.read(f));
        // data/0 is the first tensor of the root module, positional_embedding
        assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("'positional_embedding'")
                && e.getMessage().contains("'clip_weights_torchscript/data/0'") && e.getMessage().contains("missing"),
                e.getMessage());
    }

    @Test
    void aTorchScriptFileReadAsTorchSaveGetsAHint() {
        CheckpointException e = assertThrows(CheckpointException.class, () -> TorchZipCheckpoint.read(SCRIPT));
        assertTrue(e.getMessage().contains(SCRIPT.toString()) && e.getMessage().contains("TorchScriptArchive"), e.getMessage());
    }
}
