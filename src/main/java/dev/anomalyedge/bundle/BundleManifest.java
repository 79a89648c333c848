package dev.anomalyedge.bundle;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.anomalyedge.graph.Precision;
import dev.anomalyedge.model.AnomalyClipSettings;
import dev.anomalyedge.model.ClipArchitecture;

import java.util.List;
import java.util.Map;

/**
 * {@code bundle.json}: everything needed to run a bundle and to know where it came from.
 * Field names are snake_case in the file. The records a bundle gathers after export are typed and optional, each
 * absent until written: {@link CalibrationRecord} ({@code calibration}) and {@link TrainingRecord} ({@code training});
 * fields the reader does not know are ignored, so a newer bundle's extra records still load. {@code precision} names the
 * graph's {@link Precision} ("fp32" or "int8"); bundles written before the field existed are FP32.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record BundleManifest(
        String format,
        int formatVersion,
        String name,
        String version,
        String createdAt,
        String toolVersion,
        boolean demo,
        String note,
        Architecture architecture,
        Settings settings,
        Preprocessing preprocessing,
        Map<String, Source> sources,
        Files files,
        Outputs outputs,
        CalibrationRecord calibration,
        TrainingRecord training,
        String precision) {

    public static final String FORMAT = "anomalyclip-bundle";
    public static final int FORMAT_VERSION = 1;

    /** This manifest with {@code calibration} replaced (null removes it). */
    public BundleManifest withCalibration(CalibrationRecord calibration) {
        return new BundleManifest(format, formatVersion, name, version, createdAt, toolVersion, demo, note, architecture,
                settings, preprocessing, sources, files, outputs, calibration, training, precision);
    }

    /** This manifest with {@code training} replaced (null removes it). */
    public BundleManifest withTraining(TrainingRecord training) {
        return new BundleManifest(format, formatVersion, name, version, createdAt, toolVersion, demo, note, architecture,
                settings, preprocessing, sources, files, outputs, calibration, training, precision);
    }

    /** The graph's precision; FP32 when the manifest does not say (bundles written before the field existed). */
    public Precision graphPrecision() {
        return Precision.parse(precision);
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Architecture(String family, int visionWidth, int visionLayers, int visionHeads, int patchSize,
                               int storedGrid, int embedDim, int contextLength, int vocabSize, int textWidth,
                               int textLayers, int textHeads) {
        public static Architecture of(ClipArchitecture a) {
            return new Architecture("CLIP ViT", a.visionWidth(), a.visionLayers(), a.visionHeads(), a.patchSize(),
                    a.storedGrid(), a.embedDim(), a.contextLength(), a.vocabSize(), a.textWidth(), a.textLayers(),
                    a.textHeads());
        }

        public ClipArchitecture toClip() {
            return new ClipArchitecture(visionWidth, visionLayers, visionHeads, patchSize, storedGrid, embedDim,
                    contextLength, vocabSize, textWidth, textLayers, textHeads);
        }
    }

    /** AnomalyCLIP's settings under their official names. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Settings(int imageSize, List<Integer> featuresList, int dpam, List<Integer> dpamBlocks, int nCtx,
                           int depth, @JsonProperty("t_n_ctx") int tNCtx, double sigma, String tapReduction,
                           double temperature) {
        public static Settings of(AnomalyClipSettings s, int visionLayers) {
            return new Settings(s.imageSize(), s.featuresList(), s.dpamLayer(), s.dpamBlocksFor(visionLayers), s.nCtx(),
                    s.depth(), s.tNCtx(), s.sigma(), s.tapReduction().name().toLowerCase(), AnomalyClipSettings.TEMPERATURE);
        }

        public AnomalyClipSettings toSettings() {
            return new AnomalyClipSettings(imageSize, featuresList, dpam, dpamBlocks, nCtx, depth, tNCtx, sigma,
                    AnomalyClipSettings.TapReduction.valueOf(tapReduction.toUpperCase()));
        }
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Preprocessing(int size, String resize, boolean keepAspectRatio, String colorMode, List<Double> mean,
                                List<Double> std, String layout) {
        public static Preprocessing openAi(int size) {
            return new Preprocessing(size, "pillow-bicubic", false, "RGB",
                    List.of(0.48145466, 0.4578275, 0.40821073), List.of(0.26862954, 0.26130258, 0.27577711), "NCHW");
        }
    }

    /** A source checkpoint: file name, content hash, format, and the absolute path it was read from (for retraining). */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Source(String file, String sha256, String format, String path) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Files(String graph, String graphData, String textEmbeddings, String promptLearner) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Outputs(String imageScore, String anomalyMap, String patchFeatures, String imageFeatures) {
        public static Outputs standard() {
            return new Outputs("image_score [batch]", "anomaly_map [batch, S, S]",
                    "patch_features [taps, batch, tokens, embed]", "image_features [batch, embed]");
        }
    }
}
