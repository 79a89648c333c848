package dev.anomalyedge.training.torch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.anomalyedge.model.ClipArchitecture;
import dev.anomalyedge.tensor.Tensor;
import dev.anomalyedge.testing.Golden;
import dev.anomalyedge.text.PromptDims;
import dev.anomalyedge.text.PromptLearner;
import dev.anomalyedge.text.TextEncoder;
import dev.anomalyedge.weights.Safetensors;
import dev.anomalyedge.weights.StateDict;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One golden case's training inputs, read in place: CLIP weights (heads from config.json), the initial prompt learner,
 * and the batch of all images in file order (raw image features, projected taps, labels, uint8 masks).
 */
record TrainCase(String name, JsonNode config, JsonNode losses, StateDict clip, ClipArchitecture arch, PromptDims dims,
                 StateDict promptLearner, TrainingBatch batch) {

    private static final Map<String, TrainCase> CACHE = new ConcurrentHashMap<>();

    /** The case, read once per JVM (everything in it is immutable). */
    static TrainCase load(String name) {
        return CACHE.computeIfAbsent(name, TrainCase::read);
    }

    private static TrainCase read(String name) {
        JsonNode config = json(name, "config.json");
        JsonNode losses = json(name, "train/losses.json");
        StateDict clip = Safetensors.read(Golden.caseDir(name).resolve("clip/clip_weights.safetensors"));
        ClipArchitecture arch = ClipArchitecture.infer(clip, config.at("/vision/heads").asInt(), config.at("/text/heads").asInt());
        PromptDims dims = new PromptDims(config.get("n_ctx").asInt(), config.get("depth").asInt(), config.get("t_n_ctx").asInt(),
                arch.textWidth(), arch.contextLength());
        StateDict pl = Safetensors.read(Golden.caseDir(name).resolve("prompt_learner/prompt_learner_init.safetensors"));
        TrainingBatch batch = TrainingBatch.of(
                Golden.npy(name, "vision/image_features_raw.npy"),
                Golden.npy(name, "vision/taps_proj.npy"),
                Golden.npy(name, "inputs/labels.npy"),
                Golden.npy(name, "inputs/gt_mask.npy"));
        return new TrainCase(name, config, losses, clip, arch, dims, pl, batch);
    }

    private static JsonNode json(String name, String relative) {
        try {
            return new ObjectMapper().readTree(Golden.caseDir(name).resolve(relative).toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    PromptLearner newLearner() {
        return PromptLearner.load(promptLearner, dims);
    }

    TextEncoder newEncoder() {
        return TextEncoder.load(clip, arch);
    }

    Tensor golden(String relative) {
        return Golden.npy(name, relative);
    }
}
