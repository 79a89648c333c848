package dev.anomalyedge.inspection;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.anomalyedge.image.PillowImage;

/**
 * One inspection, as answered over REST and published over MQTT (without the map and image, which stay in memory for
 * the heatmap and map endpoints). Every trigger gets one: an image that could not be inspected gets an ERROR result
 * ({@link #failed}) with no score, map or model figures and an {@code error} saying why.
 *
 * <p>{@code result_code} and {@code pass} let a PLC act without parsing text: 0 OK (pass), 1 NG, 2 UNCALIBRATED (no
 * threshold: no judgement, not a pass), ≥ 10 an {@link ErrorCode}. Only OK passes.
 *
 * <p>{@code recipe} names the recipe the image was inspected with (null: plain zero-shot). With a recipe the
 * {@code threshold} is the recipe's calibrated one, and with its region of interest or tiles the map covers the whole
 * original image ({@link MapStats}).
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.ALWAYS)
public record InspectionResult(
        String id,
        String timestamp,
        String partId,
        String source,
        Double score,
        Double normalizedScore,
        Calibration.Verdict verdict,
        int resultCode,
        boolean pass,
        Double threshold,
        MapStats map,
        Model model,
        String recipe,
        Timings timings,
        Error error,
        @JsonIgnore float[] anomalyMap,
        @JsonIgnore PillowImage resized) {

    /** A result without a recipe (today's zero-shot path). */
    public InspectionResult(String id, String timestamp, String partId, String source, Double score, Double normalizedScore,
                            Calibration.Verdict verdict, int resultCode, boolean pass, Double threshold, MapStats map, Model model,
                            Timings timings, Error error, float[] anomalyMap, PillowImage resized) {
        this(id, timestamp, partId, source, score, normalizedScore, verdict, resultCode, pass, threshold, map, model, null, timings,
                error, anomalyMap, resized);
    }

    /** The result of an inspected image: verdict, result code and pass follow from the assessment. */
    public static InspectionResult inspected(String id, String timestamp, String partId, String source, Assessment a, Timings timings,
                                             PillowImage resized) {
        return inspected(id, timestamp, partId, source, a, null, timings, resized);
    }

    /**
     * The result of an inspected image with recipe {@code recipe} (null: none); {@code resized} is the picture under the
     * map ({@code map.width × map.height}).
     */
    public static InspectionResult inspected(String id, String timestamp, String partId, String source, Assessment a, String recipe,
                                             Timings timings, PillowImage resized) {
        return new InspectionResult(id, timestamp, partId, source, (double) a.score(), a.normalizedScore(), a.verdict(),
                a.verdict().resultCode(), a.verdict() == Calibration.Verdict.OK, a.threshold(), a.mapStats(), a.model(), recipe,
                timings, null, a.map(), resized);
    }

    /** The ERROR result of an image that was not inspected; {@code model} is the serving model when one was, else null. */
    public static InspectionResult failed(String partId, String source, ErrorCode code, String detail, Model model, double totalMs) {
        return failed(partId, source, code, detail, model, null, totalMs);
    }

    /** As {@link #failed(String, String, ErrorCode, String, Model, double)}, for an inspection that asked for {@code recipe}. */
    public static InspectionResult failed(String partId, String source, ErrorCode code, String detail, Model model, String recipe,
                                          double totalMs) {
        return new InspectionResult(java.util.UUID.randomUUID().toString(), java.time.Instant.now().toString(), partId, source, null,
                null, Calibration.Verdict.ERROR, code.resultCode(), false, null, null, model, recipe, new Timings(0, 0, 0, totalMs, 0),
                new Error(code.id(), detail), null, null);
    }

    /** Whether this is an ERROR result (nothing was scored). */
    @JsonIgnore
    public boolean failed() { return error != null; }

    /** Why an image was not inspected: the stable {@link ErrorCode#id()} and a sentence for people. */
    public record Error(String code, String detail) {}

    /**
     * The map's statistics. {@code width × height} is the map's shape ([height, width] in anomaly-map.npy): S×S without
     * a recipe region or tiles, else the whole original image downscaled to a long side of at most
     * appliance.recipes.max-map-side; {@code size} is its long side.
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record MapStats(int size, double max, double mean, Double pixelThreshold, Double fractionAbove, int width, int height) {
        /** A square map of side {@code size}. */
        public MapStats(int size, double max, double mean, Double pixelThreshold, Double fractionAbove) {
            this(size, max, mean, pixelThreshold, fractionAbove, size, size);
        }
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Model(String name, String version, String backend, boolean demo) {}

    /** Milliseconds spent decoding (incl. resize), queued, in inference (the whole batch) and in total. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Timings(double decodeMs, double queueMs, double inferenceMs, double totalMs, int batchSize) {}
}
