package dev.anomalyedge.text;

import java.util.List;

/**
 * AnomalyCLIP's object-agnostic prompt texts: {@code "X … X object."} (normal) and {@code "X … X damaged object."}
 * (abnormal) with {@code nCtx} placeholder words whose embeddings the prompt learner replaces by learned context.
 */
public final class PromptTemplates {
    private PromptTemplates() {}

    public static List<String> texts(int nCtx) {
        String ctx = "X ".repeat(nCtx);
        return List.of(ctx + "object.", ctx + "damaged object.");
    }
}
