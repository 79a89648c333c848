package dev.anomalyedge.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.anomalyedge.bundle.ModelBundle;
import dev.anomalyedge.engine.select.SelectedEngine;
import dev.anomalyedge.image.Heatmap;
import dev.anomalyedge.image.ImageDecoder;
import dev.anomalyedge.inspection.Calibration;
import dev.anomalyedge.inspection.Inspector;
import dev.anomalyedge.tensor.Npy;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
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
        Set<String> stems = new HashSet<>();
        for (Path p : images) {
            if (!stems.add(stem(p))) {
                throw new IllegalArgumentException("two inputs share the file stem '" + stem(p) + "'; their outputs would overwrite each other");
            }
        }
        ModelBundle bundle = ModelBundle.load(bundleDir);
        Files.createDirectories(out);
        if (bundle.manifest().demo()) Console.info("note: " + bundle.manifest().note());
        float mapMax = (float) bundle.settings().mapUpperBound();
        Calibration calibration = Calibration.fromManifest(bundle.manifest().calibration());
        boolean untrainedDemo = bundle.manifest().demo() && bundle.manifest().training() == null;
        List<Inspector.Result> results;
        try (SelectedEngine engine = engineOptions.open(bundle.dir(), batchSize)) {
            results = new Inspector(engine.engine(), maxPixels).inspect(images, batchSize);
        }
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode scores = json.createObjectNode();
        int failed = 0;
        for (Inspector.Result r : results) {
            ObjectNode entry = scores.putObject(r.file().getFileName().toString());
            if (!r.ok()) {
                failed++;
                entry.putNull("score");
                entry.put("error", r.error());
                Console.info(r.error().contains(r.file().getFileName().toString()) ? r.error() : r.file() + ": " + r.error());
                continue;
            }
            String st = stem(r.file());
            Path mapFile = out.resolve(st + ".map.npy");
            Path overlayFile = out.resolve(st + ".overlay.png");
            Npy.writeFloat32(mapFile, new long[] {r.size(), r.size()}, r.map());
            Files.write(overlayFile, Heatmap.overlayPng(r.resized(), r.map(), Heatmap.Range.fixed(0, mapMax), Heatmap.DEFAULT_OPACITY));
            float max = Float.NEGATIVE_INFINITY;
            double sum = 0;
            for (float v : r.map()) {
                max = Math.max(max, v);
                sum += v;
            }
            entry.put("score", r.score());
            entry.put("map_max", max);
            entry.put("map_mean", sum / r.map().length);
            entry.put("map_file", mapFile.getFileName().toString());
            entry.put("overlay_file", overlayFile.getFileName().toString());
            entry.put("model", bundle.name() + "/" + bundle.version());
            // the service's verdict: OK/NG against the bundle's calibrated image threshold, UNCALIBRATED without one
            Calibration.Verdict verdict = calibration.verdict(r.score());
            entry.put("verdict", verdict.name());
            if (calibration.imageThreshold() != null) {
                entry.put("threshold", calibration.imageThreshold());
                entry.put("normalized_score", calibration.normalisedScore(r.score()));
            }
            if (bundle.manifest().demo()) entry.put("demo", true);
            if (untrainedDemo) entry.put("demo_untrained", true);
            System.out.printf("%-40s score %.6f  map max %.4f  %s%n", r.file().getFileName(), r.score(), max, verdict);
        }
        Path scoresFile = out.resolve("scores.json");
        Path tmp = out.resolve("scores.json.tmp");
        json.writeValue(tmp.toFile(), scores);
        Files.move(tmp, scoresFile, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        Console.info("wrote " + scoresFile + (failed > 0 ? " (" + failed + " image(s) failed)" : ""));
        return failed > 0 ? 1 : 0;
    }

    static String stem(Path p) {
        String n = p.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot > 0 ? n.substring(0, dot) : n;
    }
}
