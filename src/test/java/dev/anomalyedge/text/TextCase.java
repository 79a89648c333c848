package dev.anomalyedge.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.anomalyedge.model.ClipArchitecture;
import dev.anomalyedge.tensor.Tensor;
import dev.anomalyedge.testing.Golden;
import dev.anomalyedge.weights.Safetensors;
import dev.anomalyedge.weights.StateDict;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** One golden case's text-side inputs: CLIP weights, architecture (heads from config.json), prompt dims, token ids. */
record TextCase(String name, JsonNode config, StateDict clip, ClipArchitecture arch, PromptDims dims,
                StateDict promptLearner, long[][] tokenIds) {

    private static final Map<String, TextCase> CACHE = new ConcurrentHashMap<>();

    /** The case's inputs, read once per JVM (everything in it is immutable). */
    static TextCase load(String name) {
        return CACHE.computeIfAbsent(name, TextCase::read);
    }

    private static TextCase read(String name) {
        JsonNode config;
        try {
            config = new ObjectMapper().readTree(Golden.caseDir(name).resolve("config.json").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        StateDict clip = Safetensors.read(Golden.caseDir(name).resolve("clip/clip_weights.safetensors"));
        ClipArchitecture arch = ClipArchitecture.infer(clip, config.at("/vision/heads").asInt(), config.at("/text/heads").asInt());
        PromptDims dims = new PromptDims(config.get("n_ctx").asInt(), config.get("depth").asInt(), config.get("t_n_ctx").asInt(),
                arch.textWidth(), arch.contextLength());
        StateDict pl = Safetensors.read(Golden.caseDir(name).resolve("prompt_learner/prompt_learner_init.safetensors"));
        Tensor ids = Golden.npy(name, "tokenizer/tokenized_prompts.npy");
        int len = (int) ids.dim(1);
        long[][] tokenIds = new long[2][len];
        for (int r = 0; r < 2; r++) System.arraycopy(ids.longs(), r * len, tokenIds[r], 0, len);
        return new TextCase(name, config, clip, arch, dims, pl, tokenIds);
    }

    /** Token ids [2][L], a fresh copy. */
    @Override
    public long[][] tokenIds() {
        return new long[][] {tokenIds[0].clone(), tokenIds[1].clone()};
    }

    Tensor golden(String relative) {
        return Golden.npy(name, relative);
    }
}
