package dev.anomalyedge.bundle;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * The {@code calibration} record of {@code bundle.json}: a bundle's OK/NG thresholds and how they were found.
 *
 * <p>Fields are snake_case in the file ({@code image_threshold}, {@code n_anomalous_with_mask}, …). Every field is
 * nullable so that records written by earlier versions, which may lack some of them, still load; absent fields are not
 * written. Fields this version does not know are ignored when reading (and so not written back when the manifest is
 * rewritten).
 *
 * @param imageThreshold        image score at or above which a part is NG
 * @param pixelThreshold        anomaly-map value at or above which a pixel is anomalous
 * @param method                how the thresholds were chosen ({@code good_quantile}, {@code f1_max}, {@code target_recall})
 * @param targetFalseAlarmRate  share of good parts the good-quantile rule may flag
 * @param targetRecall          share of anomalous parts the target-recall rule must flag (that method only)
 * @param nGood                 good images of the validation set
 * @param nAnomalous            anomalous images of the validation set
 * @param nAnomalousWithMask    anomalous images that had a ground-truth mask
 * @param imageRule             the image threshold's rule in words
 * @param pixelRule             the pixel threshold's rule in words
 * @param goodFlaggedRate       share of the good validation images the image threshold flags
 * @param anomalousRecall       share of the anomalous validation images it flags (when there were any)
 * @param normalisedScore       what the normalised score of a result means
 * @param createdAt             when the calibration was made (ISO-8601)
 * @param data                  the validation data set
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record CalibrationRecord(Double imageThreshold, Double pixelThreshold, String method, Double targetFalseAlarmRate,
                                Double targetRecall, Integer nGood, Integer nAnomalous, Integer nAnomalousWithMask,
                                String imageRule, String pixelRule, Double goodFlaggedRate, Double anomalousRecall,
                                String normalisedScore, String createdAt, String data) {

    /** This record with {@code data} set to the validation data set it was calibrated on. */
    public CalibrationRecord withData(String data) {
        return new CalibrationRecord(imageThreshold, pixelThreshold, method, targetFalseAlarmRate, targetRecall, nGood,
                nAnomalous, nAnomalousWithMask, imageRule, pixelRule, goodFlaggedRate, anomalousRecall, normalisedScore,
                createdAt, data);
    }
}
