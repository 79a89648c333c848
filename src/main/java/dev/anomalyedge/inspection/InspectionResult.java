package dev.anomalyedge.inspection;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.anomalyedge.image.PillowImage;

/**
 * One inspection, as answered over REST and published over MQTT (without the map and image, which stay in memory for
 * the heatmap and map endpoints).
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.ALWAYS)
public record InspectionResult(
        String id,
        String timestamp,
        String partId,
        String source,
        double score,
        Double normalizedScore,
        Calibration.Verdict verdict,
        Double threshold,
        MapStats map,
        Model model,
        Timings timings,
        @JsonIgnore float[] anomalyMap,
        @JsonIgnore PillowImage resized) {

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record MapStats(int size, double max, double mean, Double pixelThreshold, Double fractionAbove) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Model(String name, String version, String backend, boolean demo) {}

    /** Milliseconds spent decoding (incl. resize), queued, in inference (the whole batch) and in total. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Timings(double decodeMs, double queueMs, double inferenceMs, double totalMs, int batchSize) {}
}
