package dev.anomalyedge.cli;

import dev.anomalyedge.model.AnomalyClipSettings;
import picocli.CommandLine.Option;

import java.util.List;

/** AnomalyCLIP settings on the command line, with the official names and defaults. */
public class ModelOptions {
    @Option(names = "--image-size", description = "input side S in pixels (default: ${DEFAULT-VALUE})", defaultValue = "518")
    int imageSize;

    @Option(names = "--features-list", split = ",", description = "1-based vision blocks tapped for the anomaly map (default: 6,12,18,24)")
    List<Integer> featuresList = List.of(6, 12, 18, 24);

    @Option(names = "--dpam", description = "DPAM_layer: the last N-1 vision blocks get the V-V path (default: ${DEFAULT-VALUE})", defaultValue = "20")
    int dpam;

    @Option(names = "--dpam-blocks", split = ",", description = "explicit 1-based DPAM block list (mission-document variant, e.g. 6,7,8,9,10,11); overrides --dpam")
    List<Integer> dpamBlocks = List.of();

    @Option(names = "--n-ctx", description = "learnable context tokens per prompt (default: ${DEFAULT-VALUE})", defaultValue = "12")
    int nCtx;

    @Option(names = "--depth", description = "deep prompt depth (default: ${DEFAULT-VALUE})", defaultValue = "9")
    int depth;

    @Option(names = "--t-n-ctx", description = "deep prompt tokens per text block (default: ${DEFAULT-VALUE})", defaultValue = "4")
    int tNCtx;

    @Option(names = "--sigma", description = "Gaussian sigma of the anomaly map smoothing (default: ${DEFAULT-VALUE})", defaultValue = "4")
    double sigma;

    @Option(names = "--tap-reduction", description = "how taps combine: SUM (official) or MEAN (mission document) (default: ${DEFAULT-VALUE})", defaultValue = "SUM")
    AnomalyClipSettings.TapReduction tapReduction;

    @Option(names = "--vision-heads", description = "vision attention heads (default: width/64)")
    Integer visionHeads;

    @Option(names = "--text-heads", description = "text attention heads (default: width/64)")
    Integer textHeads;

    AnomalyClipSettings settings() {
        return new AnomalyClipSettings(imageSize, featuresList, dpam, dpamBlocks == null ? List.of() : dpamBlocks, nCtx,
                depth, tNCtx, sigma, tapReduction);
    }
}
