package dev.anomalyedge.metrics;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Per-class metrics in insertion order, their mean, and the Markdown table of the reference logs
 * ({@code test.py}: values ×100 rounded to one decimal, a final "mean" row).
 *
 * <p>JSON: {@code {"classes": {"<name>": {...ClassMetrics...}, ...}, "mean": {...}}}; "mean" is derived and
 * ignored when reading.
 */
@JsonIgnoreProperties(value = "mean", allowGetters = true)
public final class MetricsTable {
    private final Map<String, ClassMetrics> classes = new LinkedHashMap<>();

    public MetricsTable() {}

    @JsonCreator
    public MetricsTable(@JsonProperty("classes") Map<String, ClassMetrics> classes) {
        if (classes != null) this.classes.putAll(classes);
    }

    /** Adds (or replaces) the row of one class. */
    public MetricsTable put(String className, ClassMetrics metrics) {
        classes.put(className, metrics);
        return this;
    }

    @JsonProperty("classes")
    public Map<String, ClassMetrics> classes() {
        return Collections.unmodifiableMap(classes);
    }

    /** Mean over the classes; throws if the table is empty. */
    @JsonProperty("mean")
    public ClassMetrics mean() {
        return ClassMetrics.mean(classes.values());
    }

    /**
     * Markdown table with the reference's columns (objects, pixel_auroc, pixel_aupro, image_auroc, image_ap) plus
     * image_f1max, one row per class and a "mean" row; each value is {@code np.round(x * 100, decimals=1)}.
     */
    public String toMarkdown() {
        StringBuilder sb = new StringBuilder();
        sb.append("| objects | pixel_auroc | pixel_aupro | image_auroc | image_ap | image_f1max |\n");
        sb.append("|:--------|------------:|------------:|------------:|---------:|------------:|\n");
        for (Map.Entry<String, ClassMetrics> row : classes.entrySet()) appendRow(sb, row.getKey(), row.getValue());
        if (!classes.isEmpty()) appendRow(sb, "mean", mean());
        return sb.toString();
    }

    private static void appendRow(StringBuilder sb, String name, ClassMetrics m) {
        sb.append("| ").append(name.replace("|", "\\|"))
                .append(" | ").append(percent(m.pixelAuroc()))
                .append(" | ").append(percent(m.pixelAupro()))
                .append(" | ").append(percent(m.imageAuroc()))
                .append(" | ").append(percent(m.imageAp()))
                .append(" | ").append(percent(m.imageF1max()))
                .append(" |\n");
    }

    /** {@code str(np.round(x * 100, decimals=1))}: numpy rounds by rint(x·100·10)/10 (half to even). */
    static String percent(double x) {
        if (Double.isNaN(x)) return "nan";
        double rounded = Math.rint(x * 100 * 10) / 10;
        return String.format(Locale.ROOT, "%.1f", rounded);
    }

    @Override
    public String toString() {
        return toMarkdown();
    }
}
