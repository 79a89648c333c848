package dev.anomalyedge.text;

import dev.anomalyedge.torch.TorchRuntime;
import dev.anomalyedge.torch.TorchTensors;

import dev.anomalyedge.tensor.DType;
import dev.anomalyedge.tensor.Tensor;
import dev.anomalyedge.testing.Golden;
import dev.anomalyedge.weights.CheckpointException;
import dev.anomalyedge.weights.Safetensors;
import dev.anomalyedge.weights.StateDict;
import org.bytedeco.javacpp.PointerScope;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PromptLearnerTest {
    /** The build machine's few cores are shared: keep libtorch's OpenMP pool from spin-waiting (see TorchRuntime). */
    @BeforeAll
    static void oneThread() {
        TorchRuntime.setThreads(1);
    }

    private static final String CASE1 = "case1_p14_s112_taps4";

    static Stream<String> cases() {
        return Golden.cases();
    }

    private static void assertSameStateDict(Map<String, Tensor> expected, Map<String, Tensor> actual) {
        assertEquals(List.copyOf(expected.keySet()), List.copyOf(actual.keySet()), "keys in reference order");
        for (String k : expected.keySet()) {
            Tensor e = expected.get(k), a = actual.get(k);
            assertArrayEquals(e.shape(), a.shape(), k + " shape");
            if (e.isFloating()) assertArrayEquals(e.floats(), a.floats(), k);
            else assertArrayEquals(e.longs(), a.longs(), k);
        }
    }

    @ParameterizedTest
    @MethodSource("cases")
    void freshInitialisationWithTheCaseSeedReproducesTheReferenceInitBitExactly(String name) {
        TextCase c = TextCase.load(name);
        long seed = c.config().get("prompt_learner_seed").asLong();
        try (PromptLearner fresh = PromptLearner.initialise(c.dims(), c.tokenIds(), c.clip(), seed)) {
            assertSameStateDict(c.promptLearner().asMap(), fresh.stateDict());
        }
    }

    @Test
    void otherSeedsChangeTheParametersButNotTheTokenBuffers() {
        TextCase c = TextCase.load(CASE1);
        try (PromptLearner a = PromptLearner.initialise(c.dims(), c.tokenIds(), c.clip(), 1);
             PromptLearner a2 = PromptLearner.initialise(c.dims(), c.tokenIds(), c.clip(), 1);
             PromptLearner b = PromptLearner.initialise(c.dims(), c.tokenIds(), c.clip(), 2)) {
            Map<String, Tensor> sa = a.stateDict(), sa2 = a2.stateDict(), sb = b.stateDict();
            assertSameStateDict(sa, sa2);
            for (String k : List.of("ctx_pos", "ctx_neg", "compound_prompts_text.0", "compound_prompt_projections.0.weight")) {
                assertFalse(java.util.Arrays.equals(sa.get(k).floats(), sb.get(k).floats()), k + " depends on the seed");
            }
            for (String k : List.of("token_prefix_pos", "token_suffix_pos", "token_prefix_neg", "token_suffix_neg")) {
                assertArrayEquals(sa.get(k).floats(), sb.get(k).floats(), k + " comes from the token embeddings only");
            }
            float[] ctx = sa.get("ctx_pos").floats();
            double sq = 0;
            for (float v : ctx) sq += v * v;
            double std = Math.sqrt(sq / ctx.length);
            assertTrue(std > 0.015 && std < 0.025, "ctx ~ N(0, 0.02²), got std " + std);
        }
    }

    @Test
    void forwardConcatenatesPrefixContextAndSuffixPerPrompt() {
        TextCase c = TextCase.load(CASE1);
        PromptDims d = c.dims();
        try (PromptLearner pl = PromptLearner.load(c.promptLearner(), d); PointerScope scope = new PointerScope()) {
            org.bytedeco.pytorch.Tensor prompts = pl.forward();
            assertArrayEquals(new long[] {2, d.contextLength(), d.width()}, prompts.shape());
            assertTrue(prompts.requires_grad(), "prompts depend on the learnable context");
            float[] p = TorchTensors.toFloats(prompts);
            int w = d.width(), rowLen = d.contextLength() * w;
            float[] ctxNeg = c.promptLearner().floats("ctx_neg", 1, 1, d.nCtx(), w);
            float[] suffixNeg = c.promptLearner().floats("token_suffix_neg", 1, 1, d.suffixLength(), w);
            // row 1 (abnormal): positions 1..n_ctx are ctx_neg, then the suffix
            assertArrayEquals(ctxNeg, java.util.Arrays.copyOfRange(p, rowLen + w, rowLen + w + ctxNeg.length));
            assertArrayEquals(suffixNeg, java.util.Arrays.copyOfRange(p, rowLen + (1 + d.nCtx()) * w, 2 * rowLen));
            assertEquals(List.of("ctx_pos", "ctx_neg", "compound_prompts_text.0", "compound_prompts_text.1"),
                    List.copyOf(pl.trainableParameters().keySet()), "trainable parameters in reference order");
        }
    }

    @ParameterizedTest
    @MethodSource("cases")
    void stateDictRoundTripThroughSafetensorsGivesIdenticalEmbeddings(String name) throws IOException {
        TextCase c = TextCase.load(name);
        Path dir = Golden.tempDir("pl-roundtrip");
        Path file = dir.resolve("prompt_learner.safetensors");
        try (TextEncoder enc = TextEncoder.load(c.clip(), c.arch());
             PromptLearner original = PromptLearner.load(c.promptLearner(), c.dims())) {
            Map<String, Tensor> sd = original.stateDict();
            assertSameStateDict(c.promptLearner().asMap(), sd);
            assertEquals(DType.I32, sd.get("tokenized_prompts_pos").dtype(), "token ids tagged int32 like the reference");
            Safetensors.write(file, sd, Map.of("format", "AnomalyCLIP_PromptLearner state dict"));
            try (PromptLearner fromMap = PromptLearner.load(sd, "in-memory", c.dims());
                 PromptLearner fromFile = PromptLearner.load(Safetensors.read(file), c.dims())) {
                float[] expected = enc.normalizedEmbeddings(original);
                assertArrayEquals(expected, enc.normalizedEmbeddings(fromMap));
                assertArrayEquals(expected, enc.normalizedEmbeddings(fromFile));
                assertSameStateDict(sd, fromFile.stateDict());
            }
        } finally {
            Files.deleteIfExists(file);
            Files.deleteIfExists(dir);
        }
    }

    // ------------------------------------------------------------------------------------------ bad input

    private static StateDict edited(TextCase c, String key, Tensor replacement) {
        Map<String, Tensor> m = new LinkedHashMap<>(c.promptLearner().asMap());
        if (replacement == null) m.remove(key);
        else m.put(key, replacement);
        return new StateDict("bad.safetensors", m);
    }

    @Test
    void wrongShapeNamesFileKeyExpectedAndFound() {
        TextCase c = TextCase.load(CASE1);
        StateDict bad = edited(c, "ctx_neg", Tensor.ofFloats(new long[] {1, 1, 8, 48}, new float[8 * 48]));
        CheckpointException e = assertThrows(CheckpointException.class, () -> PromptLearner.load(bad, c.dims()));
        assertTrue(e.getMessage().contains("bad.safetensors") && e.getMessage().contains("'ctx_neg'")
                && e.getMessage().contains("[1, 1, 12, 48]") && e.getMessage().contains("[1, 1, 8, 48]"), e.getMessage());
    }

    @Test
    void settingsThatDoNotMatchTheCheckpointAreRefused() {
        TextCase c = TextCase.load(CASE1);
        PromptDims d = c.dims();
        // n_ctx 10 instead of 12
        PromptDims otherCtx = new PromptDims(10, d.depth(), d.tNCtx(), d.width(), d.contextLength());
        CheckpointException e1 = assertThrows(CheckpointException.class, () -> PromptLearner.load(c.promptLearner(), otherCtx));
        assertTrue(e1.getMessage().contains("'ctx_pos'") && e1.getMessage().contains("[1, 1, 10, 48]"), e1.getMessage());
        // depth 4 needs compound_prompts_text.2, which the file lacks
        PromptDims deeper = new PromptDims(d.nCtx(), d.depth() + 1, d.tNCtx(), d.width(), d.contextLength());
        CheckpointException e2 = assertThrows(CheckpointException.class, () -> PromptLearner.load(c.promptLearner(), deeper));
        assertTrue(e2.getMessage().contains("missing key 'compound_prompts_text.2'"), e2.getMessage());
        // depth 2 leaves compound_prompts_text.1 and its projection unexplained
        PromptDims shallower = new PromptDims(d.nCtx(), d.depth() - 1, d.tNCtx(), d.width(), d.contextLength());
        CheckpointException e3 = assertThrows(CheckpointException.class, () -> PromptLearner.load(c.promptLearner(), shallower));
        assertTrue(e3.getMessage().contains("unexpected prompt-learner keys [compound_prompts_text.1, "
                + "compound_prompt_projections.1.weight, compound_prompt_projections.1.bias]"), e3.getMessage());
    }

    @Test
    void tokenIdsMustBeIntegersWithTheEndOfTextAfterTheContext() {
        TextCase c = TextCase.load(CASE1);
        StateDict floatIds = edited(c, "tokenized_prompts_neg", Tensor.ofFloats(new long[] {1, 1, 77}, new float[77]));
        CheckpointException e1 = assertThrows(CheckpointException.class, () -> PromptLearner.load(floatIds, c.dims()));
        assertTrue(e1.getMessage().contains("'tokenized_prompts_neg'") && e1.getMessage().contains("integer"), e1.getMessage());

        long[] ids = c.tokenIds()[0].clone();
        ids[3] = 100_000; // largest id inside the context: the feature would be read at a context position
        StateDict eotInContext = edited(c, "tokenized_prompts_pos", Tensor.ofLongs(DType.I32, new long[] {1, 1, 77}, ids));
        CheckpointException e2 = assertThrows(CheckpointException.class, () -> PromptLearner.load(eotInContext, c.dims()));
        assertTrue(e2.getMessage().contains("normal prompt has its end-of-text") && e2.getMessage().contains("position 3"),
                e2.getMessage());

        long[][] outOfVocab = c.tokenIds();
        outOfVocab[1][20] = c.arch().vocabSize();
        CheckpointException e3 = assertThrows(CheckpointException.class,
                () -> PromptLearner.initialise(c.dims(), outOfVocab, c.clip(), 1));
        assertTrue(e3.getMessage().contains("abnormal prompt has token id " + c.arch().vocabSize()), e3.getMessage());
    }

    @Test
    void closedLearnerRefusesUseAndClosesOnce() {
        TextCase c = TextCase.load(CASE1);
        PromptLearner pl = PromptLearner.load(c.promptLearner(), c.dims());
        pl.close();
        pl.close();
        assertThrows(IllegalStateException.class, pl::forward);
        assertThrows(IllegalStateException.class, pl::stateDict);
    }
}
