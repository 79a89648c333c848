package dev.anomalyedge.bundle;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import java.util.List;
import java.util.Map;

/**
 * The {@code training} record of {@code bundle.json}: how a bundle's prompts were trained, on what, and how well.
 *
 * <p>Fields are snake_case in the file ({@code batch_size}, {@code epoch_losses}, …). Every field is nullable so that
 * records written by earlier versions, which may lack some of them, still load; absent fields are not written. Fields
 * this version does not know are ignored when reading. The metrics are evaluation reports as maps
 * ({@code Evaluation.Report#toMap()}): their layout belongs to the evaluation, not to the manifest.
 *
 * @param recipe               the training recipe ({@code reference}, …)
 * @param epochs               epochs trained
 * @param batchSize            images per step
 * @param optimizer            the optimiser ({@code adam})
 * @param lr                   learning rate
 * @param betas                Adam's beta1 and beta2
 * @param seed                 seed of the initialisation and the shuffling
 * @param shuffle              how the images were shuffled, in words
 * @param initialPromptLearner the prompt learner trained from, or how a fresh one was initialised
 * @param data                 the training data set
 * @param format               its layout ({@code mvtec}, {@code visa}, …)
 * @param classes              its object classes
 * @param images               its images (with pseudo-anomalies when they were added)
 * @param good                 its good images
 * @param anomalous            its anomalous images
 * @param withMask             its anomalous images with a ground-truth mask
 * @param pseudoAnomalies      whether pseudo-anomalies were added
 * @param steps                optimiser steps in all
 * @param epochLosses          mean loss of each epoch
 * @param featureCache         the feature cache the run used
 * @param metricsBefore        training-set metrics before training (when measured)
 * @param metrics              training-set metrics after training (when measured)
 * @param metricsData          what {@code metrics} were measured on, in words
 * @param validationMetrics    validation-set metrics of the exported bundle (with validation data only)
 * @param validationData       the validation data set
 * @param startedAt            start (ISO-8601, seconds)
 * @param finishedAt           end (ISO-8601, seconds)
 * @param seconds              duration, one decimal
 * @param threads              CPU threads
 * @param device               libtorch device ({@code cpu}, {@code cuda:0})
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record TrainingRecord(String recipe, Integer epochs, Integer batchSize, String optimizer, Double lr,
                             List<Double> betas, Long seed, String shuffle, String initialPromptLearner, String data,
                             String format, List<String> classes, Integer images, Long good, Long anomalous,
                             Long withMask, Boolean pseudoAnomalies, Integer steps, List<Double> epochLosses,
                             FeatureCache featureCache, Map<String, Object> metricsBefore, Map<String, Object> metrics,
                             String metricsData, Map<String, Object> validationMetrics, String validationData,
                             String startedAt, String finishedAt, Double seconds, Integer threads, String device) {

    /**
     * The feature cache of a run and what it did.
     *
     * @param engine         backend the features were extracted on
     * @param dir            the cache folder
     * @param hits           features read from the cache
     * @param misses         features not found there
     * @param computedImages images whose features were computed
     * @param sizeBytes      size of the cache after the run
     * @param maxBytes       its bound
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record FeatureCache(String engine, String dir, Long hits, Long misses, Long computedImages, Long sizeBytes,
                               Long maxBytes) {}
}
