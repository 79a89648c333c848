package dev.anomalyedge.cli;

import dev.anomalyedge.image.ImageDecoder;
import dev.anomalyedge.inspection.Assessment;
import dev.anomalyedge.inspection.OfflineInspection;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = {"Score images with a bundle: OUT/scores.json, OUT/<stem>.map.npy (float32 [S,S], smoothed map) and OUT/<stem>.overlay.png.",
                "scores.json gives each image's score, map statistics and verdict (OK/NG against the bundle's calibrated threshold, else UNCALIBRATED)."})
public class InspectCommand implements Callable<Integer> {
    @Option(names = "--bundle", required = true, description = "bundle directory (from export)")
    Path bundleDir;

    @Option(names = "--out", required = true, description = "output directory")
    Path out;

    @Option(names = "--batch-size", defaultValue = "1", description = "images per engine call (default: ${DEFAULT-VALUE})")
    int batchSize;

    @Option(names = "--max-pixels", defaultValue = "" + ImageDecoder.DEFAULT_MAX_PIXELS,
            description = "refuse images with more pixels than this, checked before decoding (default: ${DEFAULT-VALUE})")
    long maxPixels;

    @Mixin
    EngineOptions engineOptions = new EngineOptions();

    @Parameters(arity = "1..*", paramLabel = "IMAGE", description = "PNG, JPEG or BMP files")
    List<Path> images;

    @Override
    public Integer call() throws IOException {
        OfflineInspection.Report report = OfflineInspection.run(new OfflineInspection.Request(bundleDir, images, out, batchSize, maxPixels),
                engineOptions::open, Console::info);
        return print(report);
    }

    /** One line per image (the reason for a failed one), then where scores.json is; exit code 1 when an image failed. */
    static int print(OfflineInspection.Report report) {
        for (OfflineInspection.Entry e : report.entries()) {
            String name = e.file().getFileName().toString();
            if (!e.ok()) {
                Console.info(e.error().contains(name) ? e.error() : e.file() + ": " + e.error());
                continue;
            }
            Assessment a = e.assessment();
            System.out.printf("%-40s score %.6f  map max %.4f  %s%n", name, a.score(), (float) a.mapStats().max(), a.verdict());
        }
        long failed = report.failed();
        Console.info("wrote " + report.scoresFile() + (failed > 0 ? " (" + failed + " image(s) failed)" : ""));
        return failed > 0 ? 1 : 0;
    }
}
