package dev.anomalyedge.metrics;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.Collection;

/**
 * The metrics of one object class, as fractions in [0, 1] (NaN where undefined, see {@link Metrics}).
 * JSON names are snake_case: {@code image_auroc, image_ap, image_f1max, pixel_auroc, pixel_aupro}.
 */
public record ClassMetrics(
        @JsonProperty("image_auroc") double imageAuroc,
        @JsonProperty("image_ap") double imageAp,
        @JsonProperty("image_f1max") double imageF1max,
        @JsonProperty("pixel_auroc") double pixelAuroc,
        @JsonProperty("pixel_aupro") double pixelAupro) {

    /**
     * All five metrics of one class: image-level from {@code scores}/{@code labels}, pixel-level from the
     * ({@code height × width}, row-major) anomaly maps and 0/1 ground-truth masks of the same images.
     */
    public static ClassMetrics compute(float[] scores, int[] labels, float[][] maps, byte[][] masks, int height,
                                       int width) {
        return new ClassMetrics(
                Metrics.imageAuroc(scores, labels),
                Metrics.averagePrecision(scores, labels),
                Metrics.f1Max(scores, labels),
                Metrics.pixelAuroc(maps, masks),
                Metrics.aupro(maps, masks, height, width));
    }

    /** Arithmetic mean of each metric over the classes (like {@code np.mean}: a NaN makes that mean NaN). */
    public static ClassMetrics mean(Collection<ClassMetrics> classes) {
        if (classes.isEmpty()) throw new IllegalArgumentException("mean of no classes");
        double a = 0, b = 0, c = 0, d = 0, e = 0;
        for (ClassMetrics m : classes) {
            a += m.imageAuroc;
            b += m.imageAp;
            c += m.imageF1max;
            d += m.pixelAuroc;
            e += m.pixelAupro;
        }
        int n = classes.size();
        return new ClassMetrics(a / n, b / n, c / n, d / n, e / n);
    }
}
