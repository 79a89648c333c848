package dev.anomalyedge.cli;

import dev.anomalyedge.bundle.ModelBundle;
import dev.anomalyedge.engine.select.SelectedEngine;
import dev.anomalyedge.evaluation.Calibrator;
import dev.anomalyedge.evaluation.Evaluation;
import dev.anomalyedge.evaluation.ImageScorer;
import dev.anomalyedge.training.TrainingProgress;
import dev.anomalyedge.training.data.Dataset;
import dev.anomalyedge.training.data.DatasetLoader;
import dev.anomalyedge.training.data.Format;
import dev.anomalyedge.training.data.LoadOptions;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/**
 * What {@code evaluate} and {@code calibrate} share: a labelled data set, scored with a bundle on the engine the
 * service would pick for it (TensorRT where a GPU and its natives are present, else ONNX Runtime), with progress.
 */
public class ScoringOptions {
    @Option(names = "--data", required = true, description = "data set root")
    Path data;

    @Option(names = "--format", defaultValue = "auto", converter = TrainCommand.FormatConverter.class,
            description = "mvtec, visa, meta, folder or auto (default: ${DEFAULT-VALUE})")
    Format format;

    @Option(names = "--batch-size", defaultValue = "1", description = "images per engine call (default: ${DEFAULT-VALUE})")
    int batchSize;

    @Mixin
    EngineOptions engineOptions = new EngineOptions();

    /** The data set; one with no anomalous images is accepted (calibration from good parts, good-only evaluation). */
    Dataset load() {
        return DatasetLoader.load(data, format, LoadOptions.defaults().withPseudoAnomalies(true));
    }

    /** Scores every image of {@code ds} into {@code calibration}; the metrics follow the published protocol (test split). */
    Evaluation.Report score(ModelBundle bundle, Dataset ds, Calibrator.Data calibration) {
        return score(bundle, ds, Evaluation.Scope.TEST_SPLIT, calibration);
    }

    /**
     * Measures the images of {@code ds} that {@code scope} counts; with a {@code calibration} (may be null) every image
     * is scored and collected for {@link Calibrator}.
     */
    Evaluation.Report score(ModelBundle bundle, Dataset ds, Evaluation.Scope scope, Calibrator.Data calibration) {
        long t0 = System.nanoTime();
        int total = calibration != null ? ds.samples().size() : scope.count(ds);
        TrainCommand.ProgressPrinter printer = new TrainCommand.ProgressPrinter(Console::info, 2.0);
        try (SelectedEngine selected = engineOptions.open(bundle, batchSize)) {
            return Evaluation.run(ds, scope, ImageScorer.of(selected.engine(), batchSize), batchSize, calibration,
                    done -> printer.accept(TrainingProgress.of(TrainingProgress.Phase.EVALUATING, done, total,
                            (System.nanoTime() - t0) / 1e9)), () -> false);
        }
    }
}
