package dev.anomalyedge.weights;

import dev.anomalyedge.testing.Golden;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Format detection, the prompt-learner entry point and sha256. */
class CheckpointsTest {
    @TempDir
    Path tmp;

    static final Path CASE3 = Golden.caseDir("case3_p14_s98_1head");

    private static void fails(Path file, Runnable read, String... expectedInMessage) {
        CheckpointException e = assertThrows(CheckpointException.class, read::run);
        assertTrue(e.getMessage().contains(file.toString()), "message names the file: " + e.getMessage());
        for (String s : expectedInMessage) {
            assertTrue(e.getMessage().contains(s), "message should contain '" + s + "': " + e.getMessage());
        }
    }

    @Test
    void nonCheckpointFileNamesTheSupportedFormats() {
        Path png = CASE3.resolve("images/img_0.png");
        fails(png, () -> Checkpoints.read(png), "not a checkpoint", "safetensors", "torch.save", "TorchScript");
        CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoints.read(png));
        assertTrue(!e.getMessage().contains("89 50 4e 47") && !e.getMessage().contains("PNG"), "no bytes quoted: " + e.getMessage());
    }

    @Test
    void tinyAndEmptyFiles() throws IOException {
        Path empty = Files.write(tmp.resolve("empty.pth"), new byte[0]);
        fails(empty, () -> Checkpoints.read(empty), "not a checkpoint", "only 0 bytes");
        Path tiny = Files.write(tmp.resolve("tiny.bin"), new byte[] {1, 2, 3});
        fails(tiny, () -> Checkpoints.read(tiny), "not a checkpoint", "only 3 bytes");
    }

    @Test
    void legacyTorchFormatGetsAHint() throws IOException {
        // torch.save(..., _use_new_zipfile_serialization=False): a bare protocol-2 pickle of the magic number first
        byte[] legacy = {(byte) 0x80, 2, (byte) 0x8a, 0x0a, 0x6c, (byte) 0xfc, (byte) 0x9c, 0x46, (byte) 0xf9, 0x20,
                0x6a, (byte) 0xa8, 0x50, 0x19, 0x2e};
        Path f = Files.write(tmp.resolve("legacy.pth"), legacy);
        fails(f, () -> Checkpoints.read(f), "legacy", "PyTorch < 1.6", "re-save");
    }

    @Test
    void promptLearnerFromTheOfficialNestedFormatOrAFlatFile() throws IOException {
        StateDict nested = Checkpoints.readPromptLearner(CASE3.resolve("prompt_learner/prompt_learner_init.pth"));
        assertTrue(nested.source().contains("prompt_learner_init.pth"), nested.source());
        assertTrue(nested.source().contains("[prompt_learner]"), "source says where in the file: " + nested.source());

        // a flat .pth of the same state dict is accepted too
        Path flat = ZipSurgery.copy(CASE3.resolve("prompt_learner/prompt_learner_init.pth"), tmp.resolve("flat.pth"),
                (name, b) -> name.endsWith("/data.pkl") ? stripOuterDict(b) : b);
        StateDict fromFlat = Checkpoints.readPromptLearner(flat);
        assertEquals(List.copyOf(nested.keys()), List.copyOf(fromFlat.keys()));
        CheckpointsGoldenTest.assertSameTensors(nested, fromFlat, nested.keys());
    }

    /**
     * Turns the pickle of {"prompt_learner": OrderedDict(...)} into that of the OrderedDict alone: drop
     * EMPTY_DICT, BINPUT 0, the key (BINUNICODE, BINPUT 1) and the trailing SETITEM before STOP.
     */
    private static byte[] stripOuterDict(byte[] p) {
        String key = "prompt_learner";
        int head = 2 + 1 + 2 + (1 + 4 + key.length()) + 2; // PROTO 2 | } | q 0 | X len key | q 1
        assertEquals('}', p[2]);
        assertEquals(key, new String(p, 10, key.length(), StandardCharsets.US_ASCII));
        assertEquals('s', p[p.length - 2]);
        byte[] out = new byte[p.length - head + 2 - 1];
        out[0] = p[0];
        out[1] = p[1];
        System.arraycopy(p, head, out, 2, p.length - head - 2);
        out[out.length - 1] = '.';
        return out;
    }

    @Test
    void promptLearnerErrors() throws IOException {
        Path clip = CASE3.resolve("clip/clip_weights.pth");
        fails(clip, () -> Checkpoints.readPromptLearner(clip), "not an AnomalyCLIP prompt-learner state dict",
                "missing key 'ctx_pos'", "visual.");
        Path script = CASE3.resolve("clip/clip_weights_torchscript.pt");
        fails(script, () -> Checkpoints.readPromptLearner(script), "TorchScript", "prompt_learner");

        // a torch.save of something else: {"epoch": 3}
        byte[] pickle = {(byte) 0x80, 2, '}', 'X', 5, 0, 0, 0, 'e', 'p', 'o', 'c', 'h', 'K', 3, 's', '.'};
        Path other = tmp.resolve("other.pth");
        TorchZipWriter.write(other, "other", pickle, Map.of(), Map.of());
        fails(other, () -> Checkpoints.readPromptLearner(other), "expected {\"prompt_learner\": state_dict}", "['epoch']");
        fails(other, () -> Checkpoints.read(other), "entry 'epoch' holds a int value, not a tensor");
    }

    @Test
    void readingTheNestedFileAsAFlatStateDictExplainsHow() {
        Path pl = CASE3.resolve("prompt_learner/prompt_learner_init.pth");
        fails(pl, () -> Checkpoints.read(pl), "'prompt_learner' holds a dict value, not a tensor", "flat state dict", "stateDict(\"key\"");
    }

    @Test
    void sha256OfKnownContent() throws IOException {
        // FIPS 180-2 test vector
        Path f = Files.write(tmp.resolve("abc"), "abc".getBytes(StandardCharsets.US_ASCII));
        assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", Checkpoints.sha256(f));
        Path missing = tmp.resolve("nope.pt");
        fails(missing, () -> Checkpoints.sha256(missing), "cannot read");
    }
}
