package dev.anomalyedge.cli;

import dev.anomalyedge.bundle.ModelBundle;
import dev.anomalyedge.training.Evaluation;
import dev.anomalyedge.training.data.Dataset;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
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

    @Option(names = "--out", required = true, description = "output directory")
    Path out;

    @Mixin
    ScoringOptions scoring = new ScoringOptions();

    @Override
    public Integer call() throws Exception {
        ModelBundle bundle = ModelBundle.load(bundleDir);
        Dataset ds = scoring.load();
        Console.info(String.format(Locale.ROOT, "evaluating %s/%s on %s: %d images (%d good, %d anomalous, %d with mask)",
                bundle.name(), bundle.version(), ds.root(), ds.samples().size(), ds.goodCount(), ds.anomalousCount(), ds.maskedCount()));
        Evaluation.Report report = scoring.score(bundle, ds, null);
        report.write(out);
        System.out.print(report.toMarkdown());
        Console.info("wrote " + out.resolve("metrics.json") + " and " + out.resolve("metrics.md"));
        return 0;
    }
}
