package dev.anomalyedge.training.data;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A loaded data set: its samples in a stable order (classes, then splits, defect folders and file names; or file
 * order for VISA and META) and the warnings collected while loading (mask-less anomalies, ignored files, ...).
 */
public record Dataset(Path root, Format format, List<Sample> samples, List<String> warnings) {

    public Dataset {
        Objects.requireNonNull(root, "root");
        Objects.requireNonNull(format, "format");
        samples = List.copyOf(samples);
        warnings = List.copyOf(warnings);
    }

    /** Samples per class, classes in order of first appearance. */
    public Map<String, List<Sample>> byClass() {
        return byClass(samples);
    }

    static Map<String, List<Sample>> byClass(List<Sample> samples) {
        Map<String, List<Sample>> m = new LinkedHashMap<>();
        for (Sample s : samples) {
            m.computeIfAbsent(s.className(), k -> new ArrayList<>()).add(s);
        }
        m.replaceAll((k, v) -> Collections.unmodifiableList(v));
        return Collections.unmodifiableMap(m);
    }

    public List<String> classNames() {
        return List.copyOf(byClass().keySet());
    }

    /** Samples of one class (empty when the class is unknown). */
    public List<Sample> ofClass(String className) {
        return byClass().getOrDefault(className, List.of());
    }

    public long goodCount() {
        return samples.stream().filter(s -> !s.anomalous()).count();
    }

    public long anomalousCount() {
        return samples.stream().filter(Sample::anomalous).count();
    }

    /** Anomalous samples that have a mask file (the ones pixel metrics use). */
    public long maskedCount() {
        return samples.stream().filter(Sample::hasMask).count();
    }
}
