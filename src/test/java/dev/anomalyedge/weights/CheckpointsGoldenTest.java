package dev.anomalyedge.weights;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.anomalyedge.model.ClipArchitecture;
import dev.anomalyedge.tensor.DType;
import dev.anomalyedge.tensor.Tensor;
import dev.anomalyedge.testing.Golden;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** The golden weight files read in every format give the same tensors, bit for bit, and the architecture of config.json. */
class CheckpointsGoldenTest {
    /** int64 scalars that OpenAI's state dicts (and our .pth / TorchScript copies) carry, absent from the safetensors. */
    static final Set<String> PTH_ONLY = Set.of("input_resolution", "context_length", "vocab_size");

    static Path clip(String c, String file) { return Golden.caseDir(c).resolve("clip").resolve(file); }

    static Path promptLearner(String c, String file) { return Golden.caseDir(c).resolve("prompt_learner").resolve(file); }

    static JsonNode config(String c) throws IOException {
        return new ObjectMapper().readTree(Golden.caseDir(c).resolve("config.json").toFile());
    }

    @ParameterizedTest
    @MethodSource("dev.anomalyedge.testing.Golden#cases")
    void clipPthEqualsSafetensors(String c) throws IOException {
        StateDict pth = Checkpoints.read(clip(c, "clip_weights.pth"));
        StateDict st = Checkpoints.read(clip(c, "clip_weights.safetensors"));

        List<String> pthKeys = new ArrayList<>(pth.keys());
        pthKeys.removeAll(PTH_ONLY);
        assertEquals(Set.copyOf(st.keys()), Set.copyOf(pthKeys), "key sets");
        assertEquals(st.size(), pthKeys.size(), "no duplicate keys");
        float maxDiff = assertSameTensors(st, pth, st.keys());
        System.out.printf("%s: clip .pth vs .safetensors, %d tensors, max |diff| %g%n", c, st.size(), maxDiff);

        JsonNode cfg = config(c);
        assertScalar(pth, "input_resolution", cfg.at("/vision/native_resolution").asLong());
        assertScalar(pth, "context_length", cfg.at("/text/context_length").asLong());
        assertScalar(pth, "vocab_size", cfg.at("/text/vocab_size").asLong());
        assertEquals(DType.F16, pth.get("visual.conv1.weight").dtype(), "weights are stored as fp16");
    }

    @ParameterizedTest
    @MethodSource("dev.anomalyedge.testing.Golden#cases")
    void promptLearnerPthEqualsSafetensors(String c) {
        Path pthFile = promptLearner(c, "prompt_learner_init.pth");
        StateDict pth = Checkpoints.readPromptLearner(pthFile);
        StateDict st = Checkpoints.readPromptLearner(promptLearner(c, "prompt_learner_init.safetensors"));

        assertEquals(List.copyOf(st.keys()), List.copyOf(pth.keys()), "same keys in the same (state-dict) order");
        float maxDiff = assertSameTensors(st, pth, st.keys());
        System.out.printf("%s: prompt learner .pth vs .safetensors, %d tensors, max |diff| %g%n", c, st.size(), maxDiff);
        assertEquals(DType.I32, pth.get("tokenized_prompts_pos").dtype());

        // the file really exercises shared storages with offsets: prefix and suffix are views of one [1,1,77,Dt] tensor
        try (TorchZipCheckpoint ckpt = TorchZipCheckpoint.open(pthFile)) {
            StoredTensor prefix = (StoredTensor) ckpt.node("prompt_learner", "token_prefix_pos");
            StoredTensor suffix = (StoredTensor) ckpt.node("prompt_learner", "token_suffix_pos");
            long dt = pth.get("ctx_pos").dim(-1);
            long nCtx = pth.get("ctx_pos").dim(2);
            assertEquals(prefix.storageKey(), suffix.storageKey());
            assertEquals((1 + nCtx) * dt, suffix.storageOffset());
            assertEquals(77 * dt, suffix.storageNumel());
        }
    }

    @Test
    void torchScriptArchiveEqualsPth() {
        String c = "case3_p14_s98_1head";
        Path ts = clip(c, "clip_weights_torchscript.pt");
        assertEquals(Checkpoints.Format.TORCHSCRIPT, Checkpoints.detect(ts));
        StateDict script = Checkpoints.read(ts);
        StateDict pth = Checkpoints.read(clip(c, "clip_weights.pth"));

        assertEquals(Set.copyOf(pth.keys()), Set.copyOf(script.keys()), "same keys");
        // nn.Module.state_dict() order: the root's parameters, its buffers (the three scalars), then the sub-modules.
        // The .pth was saved with the scalars appended at the end, otherwise in the same order.
        List<String> expectedOrder = new ArrayList<>(pth.keys());
        expectedOrder.removeAll(PTH_ONLY);
        expectedOrder.addAll(expectedOrder.indexOf("logit_scale") + 1, List.of("input_resolution", "context_length", "vocab_size"));
        assertEquals(expectedOrder, List.copyOf(script.keys()), "torch's state_dict() order");
        float maxDiff = assertSameTensors(pth, script, pth.keys());
        System.out.printf("%s: TorchScript vs .pth, %d tensors, max |diff| %g%n", c, pth.size(), maxDiff);
        assertTrue(script.keys().containsAll(PTH_ONLY));
    }

    @ParameterizedTest
    @MethodSource("dev.anomalyedge.testing.Golden#cases")
    void architectureMatchesConfig(String c) throws IOException {
        JsonNode cfg = config(c);
        List<Path> files = new ArrayList<>(List.of(clip(c, "clip_weights.pth"), clip(c, "clip_weights.safetensors")));
        if (c.startsWith("case3")) files.add(clip(c, "clip_weights_torchscript.pt"));
        for (Path f : files) {
            ClipArchitecture a = ClipArchitecture.infer(Checkpoints.read(f), cfg.at("/vision/heads").asInt(),
                    cfg.at("/text/heads").asInt());
            String w = f.getFileName().toString();
            assertEquals(cfg.at("/vision/width").asInt(), a.visionWidth(), w);
            assertEquals(cfg.at("/vision/layers").asInt(), a.visionLayers(), w);
            assertEquals(cfg.at("/vision/heads").asInt(), a.visionHeads(), w);
            assertEquals(cfg.at("/vision/patch_size").asInt(), a.patchSize(), w);
            assertEquals(cfg.at("/vision/native_grid").asInt(), a.storedGrid(), w);
            assertEquals(cfg.at("/vision/native_resolution").asInt(), a.storedResolution(), w);
            assertEquals(cfg.at("/embed_dim").asInt(), a.embedDim(), w);
            assertEquals(cfg.at("/text/context_length").asInt(), a.contextLength(), w);
            assertEquals(cfg.at("/text/vocab_size").asInt(), a.vocabSize(), w);
            assertEquals(cfg.at("/text/width").asInt(), a.textWidth(), w);
            assertEquals(cfg.at("/text/layers").asInt(), a.textLayers(), w);
            assertEquals(cfg.at("/text/heads").asInt(), a.textHeads(), w);
        }
    }

    @ParameterizedTest
    @MethodSource("dev.anomalyedge.testing.Golden#cases")
    void detectsEachFormat(String c) {
        assertEquals(Checkpoints.Format.TORCH_ZIP, Checkpoints.detect(clip(c, "clip_weights.pth")));
        assertEquals(Checkpoints.Format.SAFETENSORS, Checkpoints.detect(clip(c, "clip_weights.safetensors")));
        assertEquals(Checkpoints.Format.TORCH_ZIP, Checkpoints.detect(promptLearner(c, "prompt_learner_init.pth")));
    }

    @Test
    void sha256IsHexOfTheFileBytes() {
        String a = Checkpoints.sha256(clip("case1_p14_s112_taps4", "clip_weights.pth"));
        String b = Checkpoints.sha256(clip("case2_p16_s96_top", "clip_weights.pth"));
        assertTrue(a.matches("[0-9a-f]{64}"), a);
        assertNotEquals(a, b);
        assertEquals(a, Checkpoints.sha256(clip("case1_p14_s112_taps4", "clip_weights.pth")));
    }

    private static void assertScalar(StateDict sd, String key, long expected) {
        Tensor t = sd.get(key);
        assertEquals(DType.I64, t.dtype(), key);
        assertEquals(0, t.rank(), key + " is a 0-d tensor");
        assertEquals(expected, t.longs()[0], key);
    }

    /** Same dtype, shape and bits for every key; returns the max |difference| seen (0 when identical). */
    static float assertSameTensors(StateDict expected, StateDict actual, Iterable<String> keys) {
        float maxDiff = 0;
        for (String k : keys) {
            Tensor e = expected.get(k);
            Tensor a = actual.get(k);
            assertEquals(e.dtype(), a.dtype(), k + " dtype");
            assertArrayEquals(e.shape(), a.shape(), k + " shape");
            if (e.isFloating()) {
                float[] x = e.floats();
                float[] y = a.floats();
                for (int i = 0; i < x.length; i++) {
                    maxDiff = Math.max(maxDiff, Math.abs(x[i] - y[i]));
                    if (Float.floatToRawIntBits(x[i]) != Float.floatToRawIntBits(y[i])) {
                        fail(k + "[" + i + "]: expected " + x[i] + " but found " + y[i] + " (bits differ)");
                    }
                }
            } else {
                assertArrayEquals(e.longs(), a.longs(), k + " values");
            }
        }
        return maxDiff;
    }
}
