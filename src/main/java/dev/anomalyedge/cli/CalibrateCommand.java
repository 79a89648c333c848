package dev.anomalyedge.cli;

import dev.anomalyedge.bundle.ModelBundle;
import dev.anomalyedge.evaluation.Calibrator;
import dev.anomalyedge.training.data.Dataset;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

@Command(name = "calibrate", mixinStandardHelpOptions = true,
        description = {"Set a bundle's OK/NG thresholds from a validation set and store them in its bundle.json (calibration).",
                "Good images only: the (1 - rate) quantile of the good scores (max good score + margin when there are too few);",
                "with anomalies: F1-max, or a target recall."})
public class CalibrateCommand implements Callable<Integer> {
    @Option(names = "--bundle", required = true, description = "bundle directory (its bundle.json is rewritten)")
    Path bundleDir;

    @Option(names = "--method", converter = MethodConverter.class,
            description = "good-quantile, f1-max or target-recall (default: target-recall with --target-recall, good-quantile with"
                    + " --target-false-alarm-rate, else f1-max when the set has anomalies and good-quantile otherwise)")
    Calibrator.Method method;

    @Option(names = "--target-false-alarm-rate", description = "allowed fraction of good parts flagged (default: "
            + Calibrator.DEFAULT_FALSE_ALARM_RATE + ")")
    Double targetFalseAlarmRate;

    @Option(names = "--target-recall", description = "fraction of anomalies to flag (target-recall method)")
    Double targetRecall;

    @Mixin
    ScoringOptions scoring = new ScoringOptions();

    @Override
    public Integer call() throws Exception {
        ModelBundle bundle = ModelBundle.load(bundleDir);
        Calibrator.Options options = Calibrator.Options.of(method, targetFalseAlarmRate, targetRecall);
        Dataset ds = scoring.load();
        Console.info(String.format(Locale.ROOT, "calibrating %s/%s on %s: %d good, %d anomalous images", bundle.name(), bundle.version(),
                ds.root(), ds.goodCount(), ds.anomalousCount()));
        Calibrator.Data cal = new Calibrator.Data(bundle.settings().mapUpperBound());
        scoring.score(bundle, ds, cal);
        Calibrator.Result r = Calibrator.calibrate(cal, options);
        ModelBundle.rewriteManifest(bundle.dir(), bundle.manifest().withCalibration(r.toManifest().withData(ds.root().toString())));
        System.out.printf(Locale.ROOT, "image_threshold %.6f%npixel_threshold %.6f%nmethod %s%n", r.imageThreshold(), r.pixelThreshold(),
                r.method().id());
        Console.info("image: " + r.imageRule());
        Console.info("pixel: " + r.pixelRule());
        Console.info(String.format(Locale.ROOT, "on this set: %.1f%% of good parts flagged%s", 100 * r.goodFlaggedRate(),
                r.anomalousRecall() == null ? "" : String.format(Locale.ROOT, ", %.1f%% of anomalous parts flagged", 100 * r.anomalousRecall())));
        Console.info("wrote the calibration into " + bundle.dir().resolve(ModelBundle.MANIFEST));
        return 0;
    }

    /** The calibration options the flags ask for (see --method). */
    static final class MethodConverter implements ITypeConverter<Calibrator.Method> {
        @Override
        public Calibrator.Method convert(String value) {
            try {
                return Calibrator.Method.valueOf(value.toUpperCase(Locale.ROOT).replace('-', '_'));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown calibration method '" + value + "': use good-quantile, f1-max or target-recall");
            }
        }
    }
}
