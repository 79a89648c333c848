package dev.anomalyedge.text;

import dev.anomalyedge.torch.TorchRuntime;
import dev.anomalyedge.torch.TorchTensors;

import dev.anomalyedge.tensor.Tensor;
import dev.anomalyedge.testing.Golden;
import org.bytedeco.javacpp.PointerScope;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The text side against every golden case: each intermediate of docs/method.md §6.3 within the README tolerances. */
class TextEncoderGoldenTest {
    /** The build machine's few cores are shared: keep libtorch's OpenMP pool from spin-waiting (see TorchRuntime). */
    @BeforeAll
    static void oneThread() {
        TorchRuntime.setThreads(1);
    }


    static Stream<String> cases() {
        return Golden.cases();
    }

    @ParameterizedTest
    @MethodSource("cases")
    void everyIntermediateMatchesTheReference(String name) {
        TextCase c = TextCase.load(name);
        try (PromptLearner learner = PromptLearner.load(c.promptLearner(), c.dims());
             TextEncoder encoder = TextEncoder.load(c.clip(), c.arch())) {
            int[] eot = {c.config().at("/text/eot_positions/0").asInt(), c.config().at("/text/eot_positions/1").asInt()};
            assertArrayEquals(eot, learner.eotPositions(), "EOT positions (argmax of the token ids)");

            TextEncoder.Trace t = encoder.encodeWithTrace(learner);

            // the prompt learner only concatenates stored values: exact
            DiffReport.check(name + " prompt_embeddings", c.golden("text/prompt_embeddings.npy"), t.promptEmbeddings(), 0);
            Tensor deep = c.golden("text/deep_prompts_fp16.npy");
            assertEquals(c.dims().deepPrompts(), t.insertedDeepPrompts().size(), "deep prompts inserted");
            for (int j = 0; j < c.dims().deepPrompts(); j++) {
                Tensor expected = Tensor.ofFloats(new long[] {c.dims().tNCtx(), c.dims().width()}, Golden.first(deep, j));
                DiffReport.check(name + " deep_prompts_fp16[" + j + "]", expected, t.insertedDeepPrompts().get(j), 0);
            }
            assertEquals(c.arch().textLayers(), t.blockOutputs().size(), "block outputs");
            for (int b = 0; b < c.arch().textLayers(); b++) {
                String file = String.format("text/blocks/after_block_%02d.npy", b + 1);
                DiffReport.check(name + " " + file, c.golden(file), t.blockOutputs().get(b), 1e-5);
            }
            DiffReport.check(name + " ln_final", c.golden("text/ln_final.npy"), t.lnFinal(), 1e-5);
            DiffReport.check(name + " text_features_raw", c.golden("text/text_features_raw.npy"), t.raw(), 1e-5);
            DiffReport.check(name + " text_features_norm", c.golden("text/text_features_norm.npy"), t.normalized(), 5e-6);
        }
    }

    @ParameterizedTest
    @MethodSource("cases")
    void bundleEmbeddingsAndAutogradPathGiveTheReferenceFeatures(String name) {
        TextCase c = TextCase.load(name);
        Tensor expectedNorm = c.golden("text/text_features_norm.npy");
        Tensor expectedRaw = c.golden("text/text_features_raw.npy");
        try (PromptLearner learner = PromptLearner.load(c.promptLearner(), c.dims());
             TextEncoder encoder = TextEncoder.load(c.clip(), c.arch())) {
            float[] emb = encoder.normalizedEmbeddings(learner);
            DiffReport.check(name + " normalizedEmbeddings()", expectedNorm, Tensor.ofFloats(expectedNorm.shape(), emb), 5e-6);
            try (PointerScope scope = new PointerScope()) {
                org.bytedeco.pytorch.Tensor raw = encoder.encode(learner);
                assertEquals(true, raw.requires_grad(), "encode() output is part of the autograd graph");
                DiffReport.check(name + " encode() (grad mode)", expectedRaw, TorchTensors.toTensor(raw), 1e-5);
                DiffReport.check(name + " encodeNormalized() (grad mode)", expectedNorm,
                        TorchTensors.toTensor(encoder.encodeNormalized(learner)), 5e-6);
            }
        }
    }
}
