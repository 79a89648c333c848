package dev.anomalyedge.text;

import dev.anomalyedge.torch.TorchRuntime;
import dev.anomalyedge.torch.TorchTensors;

import dev.anomalyedge.tensor.Half;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The training side: gradients reach the prompt learner, never CLIP, with the reference's fp16 rounding. */
class TextEncoderAutogradTest {
    /** The build machine's few cores are shared: keep libtorch's OpenMP pool from spin-waiting (see TorchRuntime). */
    @BeforeAll
    static void oneThread() {
        TorchRuntime.setThreads(1);
    }

    private static final String CASE1 = "case1_p14_s112_taps4";

    private static float[] grad(Tensor parameter, String name) {
        try (PointerScope scope = new PointerScope()) {
            Tensor g = parameter.grad();
            assertTrue(g.defined(), name + " has a gradient");
            return TorchTensors.toFloats(g);
        }
    }

    /**
     * Without a trace the encoder runs only up to the later end token (attention is causal, the padding after it is
     * never read); the features equal those of the full-length pass that the trace records, in every golden case.
     */
    @Test
    void theShortenedPassGivesTheFullLengthFeatures() {
        for (String name : dev.anomalyedge.testing.Golden.cases().toList()) {
            TextCase c = TextCase.load(name);
            try (PromptLearner pl = PromptLearner.load(c.promptLearner(), c.dims());
                 TextEncoder enc = TextEncoder.load(c.clip(), c.arch())) {
                float[] full = enc.encodeWithTrace(pl).normalized().floats();   // all L = 77 positions
                float[] shortened = enc.normalizedEmbeddings(pl);               // positions 0 .. max(eot)
                assertEquals(full.length, shortened.length);
                for (int i = 0; i < full.length; i++) assertEquals(full[i], shortened[i], 1e-6, name + " feature " + i);
            }
        }
    }

    @Test
    void backwardReachesEveryPromptParameterAndNoClipWeight() {
        TextCase c = TextCase.load(CASE1);
        try (PromptLearner pl = PromptLearner.load(c.promptLearner(), c.dims());
             TextEncoder enc = TextEncoder.load(c.clip(), c.arch());
             PointerScope scope = new PointerScope()) {
            enc.normalizedEmbeddings(pl); // a no-grad call must leave grad mode on afterwards
            Tensor t = enc.encodeNormalized(pl);                                  // [2, E]
            Tensor loss = t.select(0, 0).mul(t.select(0, 1)).sum();              // cos(t_normal, t_abnormal)
            assertTrue(loss.requires_grad(), "loss is connected to the prompt learner");
            loss.backward();
            for (Map.Entry<String, Tensor> p : pl.trainableParameters().entrySet()) {
                float[] g = grad(p.getValue(), p.getKey());
                boolean nonZero = false;
                for (float v : g) {
                    assertTrue(Float.isFinite(v), p.getKey() + " gradient is finite");
                    nonZero |= v != 0;
                }
                assertTrue(nonZero, p.getKey() + " gradient is non-zero");
            }
            for (Tensor w : enc.ownedTensors()) {
                assertFalse(w.requires_grad(), "CLIP weights are constants");
                try (PointerScope s = new PointerScope()) {
                    assertFalse(w.grad().defined(), "CLIP weights get no gradient");
                }
            }
        }
    }

    /**
     * With a loss on the abnormal row only, the normal row contributes fp16(0) = 0, so each deep-prompt gradient is
     * fp16(g_abnormal): every element must be exactly representable in float16 (it is not without the rounding).
     * The rows never interact (causal attention within each prompt), so ctx_pos gets an all-zero gradient.
     */
    @Test
    void deepPromptGradientsAreRoundedToFp16PerRow() {
        TextCase c = TextCase.load(CASE1);
        try (PromptLearner pl = PromptLearner.load(c.promptLearner(), c.dims());
             TextEncoder enc = TextEncoder.load(c.clip(), c.arch());
             PointerScope scope = new PointerScope()) {
            Tensor raw = enc.encode(pl);                                          // [2, E]
            raw.select(0, 1).mul(raw.select(0, 1)).sum().backward();              // ‖t_raw_abnormal‖²
            for (int j = 0; j < c.dims().deepPrompts(); j++) {
                float[] g = grad(pl.deepPrompt(j), "compound_prompts_text." + j);
                int nonZero = 0;
                for (float v : g) {
                    assertEquals(Half.round(v), v, "compound_prompts_text." + j + " gradient element is an fp16 value");
                    if (v != 0) nonZero++;
                }
                assertTrue(nonZero > g.length / 2, "deep prompt " + j + " gradient is mostly non-zero");
            }
            for (float v : grad(pl.trainableParameters().get("ctx_pos"), "ctx_pos")) assertEquals(0f, v);
            boolean negMoves = false;
            for (float v : grad(pl.trainableParameters().get("ctx_neg"), "ctx_neg")) negMoves |= v != 0;
            assertTrue(negMoves, "ctx_neg gradient is non-zero");
        }
    }

    @Test
    void repeatedCallsReleaseEveryNativeObject() {
        TextCase c = TextCase.load(CASE1);
        try (PromptLearner pl = PromptLearner.load(c.promptLearner(), c.dims());
             TextEncoder enc = TextEncoder.load(c.clip(), c.arch())) {
            Runnable step = () -> {
                enc.normalizedEmbeddings(pl);
                enc.encodeWithTrace(pl);
                try (PointerScope scope = new PointerScope()) {
                    enc.encodeNormalized(pl).sum().backward();
                    pl.forward();
                    pl.stateDict();
                }
            };
            step.run(); // warm-up: lazily created natives count towards the baseline
            long before = Pointer.totalCount();
            for (int i = 0; i < 3; i++) step.run();
            assertEquals(before, Pointer.totalCount(), "native objects alive before and after 3 more steps");
        }
    }

    @Test
    void mismatchedOrClosedObjectsAreRefused() {
        TextCase c1 = TextCase.load(CASE1);
        TextCase c2 = TextCase.load("case2_p16_s96_top");
        try (PromptLearner pl = PromptLearner.load(c1.promptLearner(), c1.dims());
             TextEncoder enc2 = TextEncoder.load(c2.clip(), c2.arch())) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> enc2.normalizedEmbeddings(pl));
            assertTrue(e.getMessage().contains("width 48") && e.getMessage().contains("width 64"), e.getMessage());
        }
        TextEncoder enc = TextEncoder.load(c1.clip(), c1.arch());
        enc.close();
        enc.close();
        try (PromptLearner pl = PromptLearner.load(c1.promptLearner(), c1.dims())) {
            assertThrows(IllegalStateException.class, () -> enc.encode(pl));
        }
    }
}
