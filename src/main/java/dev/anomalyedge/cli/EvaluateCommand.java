package dev.anomalyedge.cli;

import dev.anomalyedge.bundle.ModelBundle;
import dev.anomalyedge.engine.select.SelectedEngine;
import dev.anomalyedge.evaluation.Evaluation;
import dev.anomalyedge.evaluation.FewShotEvaluation;
import dev.anomalyedge.fewshot.FewShotScorer;
import dev.anomalyedge.training.TrainingProgress;
import dev.anomalyedge.training.data.Dataset;
import dev.anomalyedge.training.data.Sample;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = {"Score a labelled data set with a bundle and write the reference's metrics per class and their mean:",
                "OUT/metrics.json (image_auroc, image_ap, image_f1max, pixel_auroc, pixel_aupro; null where undefined) and OUT/metrics.md.",
                "As the published protocol, only the test split counts (MVTec test/, VisA and meta.json \"test\" entries; every image of",
                "a plain folder); --include-train-good adds the good images of the train split.",
                "With --shots SHOTS_ROOT --k N each class is scored with a memory bank of the first N images (by file name) of",
                "SHOTS_ROOT/<class>/train/good: metrics.json holds the fused (default) scoring, metrics.md adds zero-shot and",
                "few-shot-only figures side by side."})
public class EvaluateCommand implements Callable<Integer> {
    @Option(names = "--bundle", required = true, description = "bundle directory")
    Path bundleDir;

    @Option(names = "--out", required = true, description = "output directory")
    Path out;

    @Option(names = "--include-train-good", description = "also measure the good images of the train split (MVTec train/good);"
            + " the published protocol and the paper's tables use the test split only")
    boolean includeTrainGood;

    @Option(names = "--shots", description = "root of the reference images (MVTec layout): SHOTS_ROOT/<class>/train/good")
    Path shots;

    @Option(names = "--k", defaultValue = "4", description = "reference images per class with --shots (default: ${DEFAULT-VALUE})")
    int k;

    @Option(names = "--max-patches", defaultValue = "0", description = "with --shots: bound each bank to this many patches per tap by"
            + " greedy coreset selection (0 = keep every patch; default: ${DEFAULT-VALUE})")
    int maxPatches;

    @Mixin
    ScoringOptions scoring = new ScoringOptions();

    @Override
    public Integer call() throws Exception {
        ModelBundle bundle = ModelBundle.load(bundleDir);
        Dataset ds = scoring.load();
        Evaluation.Scope scope = includeTrainGood ? Evaluation.Scope.WITH_TRAIN_GOOD : Evaluation.Scope.TEST_SPLIT;
        List<Sample> measured = ds.samples().stream().filter(scope::counts).toList();
        if (measured.isEmpty()) {
            throw new IllegalArgumentException("no image of the test split in " + ds.root() + " (" + ds.samples().size()
                    + " train-split images): the published protocol measures the test split; --include-train-good measures train/good too");
        }
        Console.info(String.format(Locale.ROOT, "evaluating %s/%s on %s: %d images (%d good, %d anomalous, %d with mask)%s",
                bundle.name(), bundle.version(), ds.root(), measured.size(), measured.stream().filter(s -> !s.anomalous()).count(),
                measured.stream().filter(Sample::anomalous).count(), measured.stream().filter(Sample::hasMask).count(),
                measured.size() == ds.samples().size() ? "" : String.format(Locale.ROOT, "; %d train-split image(s) left out%s",
                        ds.samples().size() - measured.size(), includeTrainGood ? "" : " (--include-train-good adds the good ones)")));
        if (shots != null) return fewShot(bundle, ds, scope, measured.size());
        Evaluation.Report report = scoring.score(bundle, ds, scope, null);
        report.write(out);
        System.out.print(report.toMarkdown());
        Console.info("wrote " + out.resolve("metrics.json") + " and " + out.resolve("metrics.md"));
        return 0;
    }

    private int fewShot(ModelBundle bundle, Dataset ds, Evaluation.Scope scope, int total) throws Exception {
        if (k < 1) throw new IllegalArgumentException("--k must be >= 1, got " + k);
        if (maxPatches < 0) throw new IllegalArgumentException("--max-patches must be >= 0, got " + maxPatches);
        for (String cls : ds.classNames()) FewShotEvaluation.firstShots(shots, cls, k); // every class has its references, before any scoring
        long t0 = System.nanoTime();
        TrainCommand.ProgressPrinter printer = new TrainCommand.ProgressPrinter(Console::info, 2.0);
        try (SelectedEngine selected = scoring.engineOptions.open(bundle, scoring.batchSize)) {
            FewShotScorer scorer = new FewShotScorer(selected.engine(), bundle.settings(), scoring.batchSize);
            FewShotEvaluation.Result r = FewShotEvaluation.run(ds, scope, scorer, bundle.imageSize(), cls -> FewShotEvaluation.firstShots(shots, cls, k),
                    maxPatches, scoring.batchSize, done -> printer.accept(TrainingProgress.of(TrainingProgress.Phase.EVALUATING, done, total,
                            (System.nanoTime() - t0) / 1e9)));
            r.write(out);
            System.out.print(r.toMarkdown());
        }
        Console.info("wrote " + out.resolve("metrics.json") + " and " + out.resolve("metrics.md"));
        return 0;
    }
}
