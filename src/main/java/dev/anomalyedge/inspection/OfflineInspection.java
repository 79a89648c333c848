package dev.anomalyedge.inspection;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.anomalyedge.bundle.ModelBundle;
import dev.anomalyedge.engine.select.SelectedEngine;
import dev.anomalyedge.image.Heatmap;
import dev.anomalyedge.image.ImageDecoder;
import dev.anomalyedge.tensor.Npy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Inspects image files with a bundle, as the {@code inspect} and {@code demo} commands do: scores every file
 * ({@link Inspector}), judges it against the bundle's calibration ({@link Assessment}) and writes OUT/scores.json,
 * OUT/&lt;stem&gt;.map.npy (float32 [S, S], the smoothed map) and OUT/&lt;stem&gt;.overlay.png. A file that cannot be
 * decoded gets {@code "score": null} and its {@code error} in scores.json; the others are still scored.
 */
public final class OfflineInspection {
    private OfflineInspection() {}

    /** Opens the engine for a bundle directory, able to run batches of {@code maxBatch} images. */
    @FunctionalInterface
    public interface EngineOpener {
        SelectedEngine open(Path bundleDir, int maxBatch);
    }

    /**
     * What to inspect.
     *
     * @param maxPixels images with more pixels are refused before decoding ({@link ImageDecoder#DEFAULT_MAX_PIXELS})
     */
    public record Request(Path bundleDir, List<Path> images, Path out, int batchSize, long maxPixels) {
        public Request {
            images = List.copyOf(images);
        }
    }

    /** One file's outcome: its assessment and output files, or the reason it failed. */
    public record Entry(Path file, Assessment assessment, Path mapFile, Path overlayFile, String error) {
        public boolean ok() { return error == null; }
    }

    /** All outcomes in the order of the request's images, and the scores.json written. */
    public record Report(ModelBundle bundle, List<Entry> entries, Path scoresFile) {
        public long failed() { return entries.stream().filter(e -> !e.ok()).count(); }
    }

    /** Runs {@code request}; {@code info} gets notes for the operator (a demo bundle's caveat). */
    public static Report run(Request request, EngineOpener engines, Consumer<String> info) throws IOException {
        Set<String> stems = new HashSet<>();
        for (Path p : request.images()) {
            if (!stems.add(stem(p))) {
                throw new IllegalArgumentException("two inputs share the file stem '" + stem(p) + "'; their outputs would overwrite each other");
            }
        }
        ModelBundle bundle = ModelBundle.load(request.bundleDir());
        Path out = Files.createDirectories(request.out());
        if (bundle.manifest().demo()) info.accept("note: " + bundle.manifest().note());
        List<Inspector.Result> results;
        String backend;
        try (SelectedEngine engine = engines.open(bundle.dir(), request.batchSize())) {
            backend = engine.backend();
            Preprocessing preprocessing = new Preprocessing(engine.engine().imageSize(), new ImageDecoder(request.maxPixels()), 0);
            results = new Inspector(engine.engine(), preprocessing).inspect(request.images(), request.batchSize());
        }
        Calibration calibration = Calibration.fromManifest(bundle.manifest().calibration());
        InspectionResult.Model model = new InspectionResult.Model(bundle.name(), bundle.version(), backend, bundle.manifest().demo());
        float mapMax = (float) bundle.settings().mapUpperBound();
        List<Entry> entries = new ArrayList<>(results.size());
        for (Inspector.Result r : results) {
            if (!r.ok()) {
                entries.add(new Entry(r.file(), null, null, null, r.error().getMessage()));
                continue;
            }
            int size = r.resized().width();
            String st = stem(r.file());
            Path mapFile = out.resolve(st + ".map.npy");
            Path overlayFile = out.resolve(st + ".overlay.png");
            Npy.writeFloat32(mapFile, new long[] {size, size}, r.map());
            Files.write(overlayFile, Heatmap.overlayPng(r.resized(), r.map(), Heatmap.Range.fixed(0, mapMax), Heatmap.DEFAULT_OPACITY));
            entries.add(new Entry(r.file(), Assessment.of(r.score(), r.map(), size, calibration, model), mapFile, overlayFile, null));
        }
        Path scoresFile = writeScores(out, entries, bundle);
        return new Report(bundle, entries, scoresFile);
    }

    /** scores.json, written whole or not at all (through a temporary file). */
    private static Path writeScores(Path out, List<Entry> entries, ModelBundle bundle) throws IOException {
        boolean untrainedDemo = bundle.manifest().demo() && bundle.manifest().training() == null;
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode scores = json.createObjectNode();
        for (Entry e : entries) {
            ObjectNode entry = scores.putObject(e.file().getFileName().toString());
            if (!e.ok()) {
                entry.putNull("score");
                entry.put("error", e.error());
                continue;
            }
            Assessment a = e.assessment();
            entry.put("score", a.score());
            entry.put("map_max", (float) a.mapStats().max());
            entry.put("map_mean", a.mapStats().mean());
            entry.put("map_file", e.mapFile().getFileName().toString());
            entry.put("overlay_file", e.overlayFile().getFileName().toString());
            entry.put("model", a.model().name() + "/" + a.model().version());
            // the service's verdict: OK/NG against the bundle's calibrated image threshold, UNCALIBRATED without one
            entry.put("verdict", a.verdict().name());
            if (a.threshold() != null) {
                entry.put("threshold", a.threshold());
                entry.put("normalized_score", a.normalizedScore());
            }
            if (a.model().demo()) entry.put("demo", true);
            if (untrainedDemo) entry.put("demo_untrained", true);
        }
        Path scoresFile = out.resolve("scores.json");
        Path tmp = out.resolve("scores.json.tmp");
        json.writeValue(tmp.toFile(), scores);
        Files.move(tmp, scoresFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return scoresFile;
    }

    /** The file name without its last extension: {@code part_01.png} → {@code part_01}. */
    private static String stem(Path p) {
        String n = p.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot > 0 ? n.substring(0, dot) : n;
    }
}
