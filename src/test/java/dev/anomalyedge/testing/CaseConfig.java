package dev.anomalyedge.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/** A golden case's config.json, with the command-line options that reproduce its settings. */
public record CaseConfig(String name, JsonNode json) {
    public static CaseConfig of(String name) {
        try {
            return new CaseConfig(name, new ObjectMapper().readTree(Golden.caseDir(name).resolve("config.json").toFile()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public int imageSize() { return json.get("image_size").asInt(); }

    public int images() { return json.get("n_images").asInt(); }

    public List<Integer> featuresList() {
        List<Integer> out = new ArrayList<>();
        json.get("features_list_1based").forEach(n -> out.add(n.asInt()));
        return out;
    }

    /** export options (everything except --clip/--prompts/--out). */
    public List<String> exportOptions() {
        return List.of("--image-size", "" + imageSize(),
                "--features-list", String.join(",", featuresList().stream().map(String::valueOf).toList()),
                "--dpam", json.get("dpam_layer_argument").asText(),
                "--n-ctx", json.get("n_ctx").asText(),
                "--depth", json.get("depth").asText(),
                "--t-n-ctx", json.get("t_n_ctx").asText(),
                "--sigma", json.get("sigma").asText(),
                "--vision-heads", json.get("vision").get("heads").asText(),
                "--text-heads", json.get("text").get("heads").asText());
    }
}
