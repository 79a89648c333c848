package dev.anomalyedge.cli;

import dev.anomalyedge.bundle.ModelBundle;
import dev.anomalyedge.engine.ort.OrtAnomalyEngine;
import dev.anomalyedge.training.Evaluation;
import dev.anomalyedge.training.ImageScorer;
import dev.anomalyedge.training.data.Dataset;
import dev.anomalyedge.training.data.DatasetLoader;
import dev.anomalyedge.training.data.Format;
import dev.anomalyedge.training.data.LoadOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = {"Score a labelled data set with a bundle and write the reference's metrics per class and their mean:",
                "OUT/metrics.json (image_auroc, image_ap, image_f1max, pixel_auroc, pixel_aupro; null where undefined) and OUT/metrics.md."})
public class EvaluateCommand implements Callable<Integer> {
    @Option(names = "--bundle", required = true, description = "bundle directory")
    Path bundleDir;

    @Option(names = "--data", required = true, description = "data set root")
    Path data;

    @Option(names = "--format", defaultValue = "auto", converter = TrainCommand.FormatConverter.class,
            description = "mvtec, visa, meta, folder or auto (default: ${DEFAULT-VALUE})")
    Format format;

    @Option(names = "--out", required = true, description = "output directory")
    Path out;

    @Option(names = "--batch-size", defaultValue = "1", description = "images per engine call (default: ${DEFAULT-VALUE})")
    int batchSize;

    @Option(names = "--threads", description = "ONNX Runtime intra-op threads (default: all cores)")
    Integer threads;

    @Override
    public Integer call() throws Exception {
        ModelBundle bundle = ModelBundle.load(bundleDir);
        Dataset ds = DatasetLoader.load(data, format, LoadOptions.defaults().withPseudoAnomalies(true));
        Console.info(String.format(Locale.ROOT, "evaluating %s/%s on %s: %d images (%d good, %d anomalous, %d with mask)",
                bundle.name(), bundle.version(), ds.root(), ds.samples().size(), ds.goodCount(), ds.anomalousCount(), ds.maskedCount()));
        Evaluation.Report report;
        long t0 = System.nanoTime();
        try (OrtAnomalyEngine engine = threads == null ? OrtAnomalyEngine.open(bundle.graphFile()) : OrtAnomalyEngine.open(bundle.graphFile(), threads)) {
            TrainCommand.ProgressPrinter printer = new TrainCommand.ProgressPrinter(Console::info, 2.0);
            report = Evaluation.run(ds, ImageScorer.of(engine, batchSize), batchSize, null, done -> printer.accept(
                    dev.anomalyedge.training.TrainingProgress.of(dev.anomalyedge.training.TrainingProgress.Phase.EVALUATING, done,
                            ds.samples().size(), (System.nanoTime() - t0) / 1e9)), () -> false);
        }
        report.write(out);
        System.out.print(report.toMarkdown());
        Console.info("wrote " + out.resolve("metrics.json") + " and " + out.resolve("metrics.md"));
        return 0;
    }
}
