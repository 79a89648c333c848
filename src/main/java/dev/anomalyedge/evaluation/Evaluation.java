package dev.anomalyedge.evaluation;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.anomalyedge.image.ImageDecoder;
import dev.anomalyedge.image.Preprocessor;
import dev.anomalyedge.metrics.ClassMetrics;
import dev.anomalyedge.metrics.Metrics;
import dev.anomalyedge.metrics.MetricsTable;
import dev.anomalyedge.training.data.Dataset;
import dev.anomalyedge.training.data.Sample;
import dev.anomalyedge.training.data.Split;
import dev.anomalyedge.util.DurableFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;
import java.util.function.IntConsumer;

/**
 * Scores a labelled data set and computes the reference's metrics per class (docs/method.md §9): image AUROC, AP and
 * F1-max over the image scores, pixel AUROC and AUPRO over the smoothed maps against the ground-truth masks (resized
 * and binarised by {@link Preprocessor#mask}, as the reference does), then the arithmetic mean over the classes.
 *
 * <p>Pixel metrics use the good images (all-zero masks) and the anomalous images that have a mask; an anomalous image
 * without mask is skipped for them (it still counts for the image metrics). A metric that is undefined for a class
 * (no anomalous or no good image for the image metrics; no masked anomaly for the pixel metrics) is NaN, and a note
 * says why. Like {@code np.mean}, a NaN makes the mean of that metric NaN; {@code mean_over_defined} in the JSON
 * averages the classes where the metric is defined.
 *
 * <p>Which images count is the {@link Scope}: by default the test split only, as the published protocol (the
 * reference's {@code test.py}, the paper's tables) measures; the good images of the train split (MVTec
 * {@code train/good}, VisA and meta.json "train" entries) are left out. When a calibration is filled, every image of
 * the data set is scored and goes into it, the left-out ones too (good parts are good parts for a threshold).
 *
 * <p>Maps are held for one class at a time.
 */
public final class Evaluation {
    private Evaluation() {}

    /** Which images of a data set the metrics count. */
    public enum Scope {
        /** The published protocol: the test split only (every image of a FOLDER data set, which has no split). */
        TEST_SPLIT,
        /** The test split plus the good images of the train split. */
        WITH_TRAIN_GOOD;

        public boolean counts(Sample s) {
            return s.split() == Split.TEST || (this == WITH_TRAIN_GOOD && !s.anomalous());
        }

        /** How many images of {@code data} count. */
        public int count(Dataset data) {
            return (int) data.samples().stream().filter(this::counts).count();
        }
    }

    /** Images per class: all, good, anomalous, used for pixel metrics, and anomalous ones lacking a mask. */
    public record ClassCounts(int images, int good, int anomalous, int pixelImages, int masksMissing) {}

    /** Per-class metrics, counts and notes. */
    public record Report(MetricsTable table, Map<String, ClassCounts> counts, List<String> notes) {
        public Report {
            counts = Collections.unmodifiableMap(new LinkedHashMap<>(counts));
            notes = List.copyOf(notes);
        }

        public ClassMetrics mean() { return table.mean(); }

        /**
         * {@code {"classes": {cls: {image_auroc, image_ap, image_f1max, pixel_auroc, pixel_aupro}}, "mean": {…},
         * "mean_over_defined": {…}, "counts": {cls: {…}}, "notes": […]}}; undefined values are JSON null.
         */
        public ObjectNode toJson() {
            ObjectNode root = JSON.createObjectNode();
            ObjectNode classes = root.putObject("classes");
            table.classes().forEach((name, m) -> put(classes.putObject(name), m));
            put(root.putObject("mean"), table.mean());
            put(root.putObject("mean_over_defined"), meanOverDefined());
            ObjectNode c = root.putObject("counts");
            counts.forEach((name, n) -> c.putObject(name).put("images", n.images()).put("good", n.good())
                    .put("anomalous", n.anomalous()).put("pixel_images", n.pixelImages()).put("masks_missing", n.masksMissing()));
            ArrayNode notesNode = root.putArray("notes");
            notes.forEach(notesNode::add);
            return root;
        }

        /** The same as a map for a bundle manifest (values as numbers, NaN as null). */
        @SuppressWarnings("unchecked")
        public Map<String, Object> toMap() {
            return JSON.convertValue(toJson(), Map.class);
        }

        /** The reference's table (×100, one decimal, "nan" where undefined) followed by the notes. */
        public String toMarkdown() {
            StringBuilder sb = new StringBuilder(table.toMarkdown());
            if (!notes.isEmpty()) {
                sb.append("\nNotes:\n\n");
                for (String n : notes) sb.append("- ").append(n).append('\n');
            }
            return sb.toString();
        }

        /** Writes {@code dir/metrics.json} and {@code dir/metrics.md} (each atomically). */
        public void write(Path dir) throws IOException {
            Files.createDirectories(dir);
            writeAtomically(dir.resolve("metrics.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(toJson()) + "\n");
            writeAtomically(dir.resolve("metrics.md"), toMarkdown());
        }

        private ClassMetrics meanOverDefined() {
            double[] sum = new double[5];
            int[] n = new int[5];
            for (ClassMetrics m : table.classes().values()) {
                double[] v = values(m);
                for (int i = 0; i < 5; i++) {
                    if (!Double.isNaN(v[i])) {
                        sum[i] += v[i];
                        n[i]++;
                    }
                }
            }
            double[] mean = new double[5];
            for (int i = 0; i < 5; i++) mean[i] = n[i] == 0 ? Double.NaN : sum[i] / n[i];
            return new ClassMetrics(mean[0], mean[1], mean[2], mean[3], mean[4]);
        }
    }

    /** The JSON key names of the five metrics, in {@link ClassMetrics} order. */
    public static final List<String> METRIC_KEYS = List.of("image_auroc", "image_ap", "image_f1max", "pixel_auroc", "pixel_aupro");

    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private static double[] values(ClassMetrics m) {
        return new double[] {m.imageAuroc(), m.imageAp(), m.imageF1max(), m.pixelAuroc(), m.pixelAupro()};
    }

    private static void put(ObjectNode node, ClassMetrics m) {
        double[] v = values(m);
        for (int i = 0; i < 5; i++) {
            if (Double.isNaN(v[i])) node.putNull(METRIC_KEYS.get(i));
            else node.put(METRIC_KEYS.get(i), v[i]);
        }
    }

    /** {@link #run(Dataset, Scope, ImageScorer, int, Calibrator.Data, IntConsumer, BooleanSupplier)} with the published protocol. */
    public static Report run(Dataset data, ImageScorer scorer, int batch, Calibrator.Data calibration, IntConsumer done,
                             BooleanSupplier cancelled) {
        return run(data, Scope.TEST_SPLIT, scorer, batch, calibration, done, cancelled);
    }

    /**
     * Scores the samples of {@code data} with {@code scorer} ({@code batch} images per call), class by class, and
     * measures the ones {@code scope} counts.
     *
     * @param calibration when not null, every image of {@code data} is scored and added to it (also those the scope
     *                    leaves out of the metrics); when null, only the counted images are scored
     * @param done        called with the number of images scored so far
     * @throws CancellationException when {@code cancelled} turns true between batches
     */
    public static Report run(Dataset data, Scope scope, ImageScorer scorer, int batch, Calibrator.Data calibration,
                             IntConsumer done, BooleanSupplier cancelled) {
        if (batch < 1) throw new IllegalArgumentException("batch must be >= 1, got " + batch);
        int s = scorer.imageSize();
        Preprocessor preprocessor = new Preprocessor(s);
        ImageDecoder decoder = new ImageDecoder();
        MetricsTable table = new MetricsTable();
        Map<String, ClassCounts> counts = new LinkedHashMap<>();
        List<String> notes = new ArrayList<>();
        int scored = 0;
        for (Map.Entry<String, List<Sample>> cls : data.byClass().entrySet()) {
            String name = cls.getKey();
            int n = (int) cls.getValue().stream().filter(scope::counts).count();
            int leftOut = cls.getValue().size() - n;
            List<Sample> samples = calibration != null ? cls.getValue() : cls.getValue().stream().filter(scope::counts).toList();
            float[] scores = new float[n];
            int[] labels = new int[n];
            List<float[]> maps = new ArrayList<>();
            List<byte[]> masks = new ArrayList<>();
            int counted = 0, good = 0, anomalous = 0, missing = 0;
            for (int from = 0; from < samples.size(); from += batch) {
                if (cancelled.getAsBoolean()) throw new CancellationException("evaluation cancelled");
                List<Sample> chunk = samples.subList(from, Math.min(samples.size(), from + batch));
                ImageScorer.Scores out = scorer.score(chunk.stream().map(Sample::image).toList());
                for (int i = 0; i < chunk.size(); i++) {
                    Sample smp = chunk.get(i);
                    byte[] mask = null;
                    if (!smp.anomalous()) mask = new byte[s * s];
                    else if (smp.hasMask()) mask = toBytes(preprocessor.mask(decoder.decode(smp.mask())));
                    if (calibration != null) calibration.add(smp.label(), out.scores()[i], out.maps()[i], mask);
                    if (!scope.counts(smp)) continue;
                    scores[counted] = out.scores()[i];
                    labels[counted] = smp.label();
                    counted++;
                    if (smp.anomalous()) anomalous++;
                    else good++;
                    if (smp.anomalous() && !smp.hasMask()) missing++;
                    if (mask != null) {
                        maps.add(out.maps()[i]);
                        masks.add(mask);
                    }
                }
                scored += chunk.size();
                done.accept(scored);
            }
            if (leftOut > 0) {
                notes.add(name + ": " + leftOut + " image(s) of the train split not in the metrics ("
                        + (scope == Scope.TEST_SPLIT ? "the published protocol measures the test split only"
                        : "only the good ones of the train split are added") + ")"
                        + (calibration != null ? "; the calibration uses them" : ""));
            }
            if (anomalous == 0) notes.add(name + ": no anomalous image, so image AUROC/AP/F1-max are undefined (NaN)");
            if (good == 0) notes.add(name + ": no good image, so image AUROC/AP/F1-max are undefined (NaN)");
            if (missing > 0) notes.add(name + ": " + missing + " anomalous image(s) without mask skipped for the pixel metrics");
            boolean pixels = masks.stream().anyMatch(Evaluation::anyOn);
            if (!pixels) notes.add(name + ": no anomalous image with a non-empty mask, so pixel AUROC/AUPRO are undefined (NaN)");
            double pixelAuroc = Double.NaN, aupro = Double.NaN;
            if (pixels) {
                float[][] m = maps.toArray(new float[0][]);
                byte[][] g = masks.toArray(new byte[0][]);
                pixelAuroc = Metrics.pixelAuroc(m, g);
                aupro = Metrics.aupro(m, g, s);
            }
            table.put(name, n == 0 ? new ClassMetrics(Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN)
                    : new ClassMetrics(Metrics.imageAuroc(scores, labels), Metrics.averagePrecision(scores, labels),
                    Metrics.f1Max(scores, labels), pixelAuroc, aupro));
            counts.put(name, new ClassCounts(n, good, anomalous, maps.size(), missing));
        }
        return new Report(table, counts, notes);
    }

    private static boolean anyOn(byte[] mask) {
        for (byte b : mask) if (b != 0) return true;
        return false;
    }

    private static byte[] toBytes(float[] mask) {
        byte[] out = new byte[mask.length];
        for (int i = 0; i < mask.length; i++) out[i] = (byte) (mask[i] != 0 ? 1 : 0);
        return out;
    }

    static void writeAtomically(Path file, String text) throws IOException {
        DurableFiles.replace(file, text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** One line per class and the mean, for logs. */
    public static String summary(Report r) {
        StringBuilder sb = new StringBuilder();
        Map<String, ClassMetrics> rows = new LinkedHashMap<>(r.table().classes());
        rows.put("mean", r.mean());
        rows.forEach((name, m) -> sb.append(String.format(Locale.ROOT,
                "%s: image AUROC %.4f AP %.4f F1-max %.4f, pixel AUROC %.4f AUPRO %.4f%n", name, m.imageAuroc(), m.imageAp(),
                m.imageF1max(), m.pixelAuroc(), m.pixelAupro())));
        return sb.toString();
    }
}
