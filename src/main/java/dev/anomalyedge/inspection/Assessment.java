package dev.anomalyedge.inspection;

/**
 * What an image's score and smoothed map mean under a model's calibration: the verdict, the normalised score, the
 * image threshold and the map statistics. The service's {@link InspectionResult} and the {@code inspect} command's
 * scores.json are both built from it.
 *
 * @param score           the engine's image score
 * @param map             the smoothed anomaly map [S·S], row-major
 * @param normalizedScore {@link Calibration#normalisedScore}, null when uncalibrated
 * @param threshold       the image threshold, null when uncalibrated
 * @param mapStats        side, max, mean and (with a pixel threshold) the fraction of the map at or above it
 * @param model           the model that scored the image
 */
public record Assessment(float score, float[] map, Calibration.Verdict verdict, Double normalizedScore, Double threshold,
                         InspectionResult.MapStats mapStats, InspectionResult.Model model) {

    /** Judges {@code score} and {@code map} (side {@code size}) against {@code calibration}. */
    public static Assessment of(float score, float[] map, int size, Calibration calibration, InspectionResult.Model model) {
        return of(score, map, size, size, calibration, model);
    }

    /** Judges {@code score} and a {@code width × height} {@code map} against {@code calibration}. */
    public static Assessment of(float score, float[] map, int width, int height, Calibration calibration, InspectionResult.Model model) {
        if (map.length != (long) width * height) {
            throw new IllegalArgumentException("a " + width + "x" + height + " map has " + (long) width * height + " values, got " + map.length);
        }
        Double pixelThreshold = calibration.pixelThreshold();
        double max = Double.NEGATIVE_INFINITY;
        double sum = 0;
        long above = 0;
        for (float v : map) {
            max = Math.max(max, v);
            sum += v;
            if (pixelThreshold != null && v >= pixelThreshold) above++;
        }
        Double fraction = pixelThreshold == null ? null : (double) above / map.length;
        return new Assessment(score, map, calibration.verdict(score), calibration.normalisedScore(score), calibration.imageThreshold(),
                new InspectionResult.MapStats(Math.max(width, height), max, sum / map.length, pixelThreshold, fraction, width, height), model);
    }
}
