package dev.anomalyedge.training.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * AnomalyCLIP's {@code root/meta.json} (written by {@code generate_dataset_json/*.py}, read by {@code dataset.py}):
 * <pre>
 *   {"train": {"bottle": [ ... ]},
 *    "test":  {"bottle": [{"img_path": "bottle/test/broken_large/000.png",
 *                          "mask_path": "bottle/ground_truth/broken_large/000_mask.png",
 *                          "cls_name": "bottle", "specie_name": "broken_large", "anomaly": 1}, ...]}}
 * </pre>
 * Paths are relative to the root. The reference trains on "test" only ({@link LoadOptions#referenceTraining()}).
 * As in {@code dataset.py}: a good entry's mask_path is ignored; an anomalous entry whose mask_path is empty or a folder
 * is mask-less ("just for classification"). {@code anomaly} is 0/1 (a JSON boolean is accepted too); the class is
 * {@code cls_name}, or the key when cls_name is missing; an empty {@code specie_name} becomes "good"/"anomaly".
 */
final class MetaJson {
    private MetaJson() {}

    static final String FILE = "meta.json";
    static final String MASK_RULE = "the entry's mask_path in " + FILE;

    static boolean looksLike(Path root) {
        return Files.isRegularFile(root.resolve(FILE));
    }

    static List<Sample> read(Path root, Set<Split> splits, Problems problems) {
        Path file = root.resolve(FILE);
        JsonNode json;
        try {
            json = new ObjectMapper().readTree(file.toFile());
        } catch (JsonProcessingException e) {
            problems.error(file + ": not valid JSON: " + e.getOriginalMessage() + (e.getLocation() == null ? ""
                    : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr()));
            return List.of();
        } catch (IOException e) {
            problems.error("cannot read " + file + ": " + e.getMessage());
            return List.of();
        }
        if (json == null || !json.isObject() || (!json.has("train") && !json.has("test"))) {
            problems.error(file + ": expected an object with \"train\" and/or \"test\" sections");
            return List.of();
        }
        List<Sample> samples = new ArrayList<>();
        for (Split split : Split.values()) {
            JsonNode section = json.get(split.folderName());
            if (!splits.contains(split) || section == null) {
                continue;
            }
            String where = file + " " + split.folderName();
            if (!section.isObject()) {
                problems.error(where + ": expected an object {class: [entries]}, found " + section.getNodeType());
                continue;
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = section.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> cls = it.next();
                if (!cls.getValue().isArray()) {
                    problems.error(where + "/" + cls.getKey() + ": expected a list of entries, found "
                            + cls.getValue().getNodeType());
                    continue;
                }
                for (int i = 0; i < cls.getValue().size(); i++) {
                    Sample s = entry(root, cls.getKey(), split, cls.getValue().get(i),
                            where + "/" + cls.getKey() + "[" + i + "]", problems);
                    if (s != null) {
                        samples.add(s);
                    }
                }
            }
        }
        return samples;
    }

    private static Sample entry(Path root, String key, Split split, JsonNode e, String where, Problems problems) {
        if (!e.isObject()) {
            problems.error(where + ": expected an object, found " + e.getNodeType());
            return null;
        }
        String img = text(e, "img_path");
        if (img == null || img.isEmpty()) {
            problems.error(where + ": missing or empty \"img_path\"");
            return null;
        }
        JsonNode a = e.get("anomaly");
        int label;
        if (a != null && a.isIntegralNumber() && (a.asInt() == 0 || a.asInt() == 1)) {
            label = a.asInt();
        } else if (a != null && a.isBoolean()) {
            label = a.asBoolean() ? 1 : 0;
        } else {
            problems.error(where + ": \"anomaly\" must be 0 or 1, found " + (a == null ? "nothing" : a.toString()));
            return null;
        }
        String cls = text(e, "cls_name");
        cls = cls == null || cls.isEmpty() ? key : cls;
        String specie = text(e, "specie_name");
        if (specie == null || specie.isEmpty()) {
            specie = label == 0 ? "good" : "anomaly";
        }
        Path image = root.resolve(img).normalize();
        if (label == 0) {
            return new Sample(image, cls, Sample.GOOD, null, specie, split);
        }
        String maskText = text(e, "mask_path");
        Path mask = maskText == null || maskText.isEmpty() ? null : root.resolve(maskText).normalize();
        if (mask != null && Files.isDirectory(mask)) {
            mask = null; // dataset.py: a folder as mask_path means classification only
        }
        return new Sample(image, cls, Sample.ANOMALOUS, mask, specie, split);
    }

    private static String text(JsonNode e, String field) {
        JsonNode n = e.get(field);
        return n == null || n.isNull() ? null : n.asText();
    }
}
