package dev.anomalyedge.evaluation;

import dev.anomalyedge.fewshot.FewShotScorer;
import dev.anomalyedge.fewshot.MemoryBank;
import dev.anomalyedge.inspection.Preprocessing;
import dev.anomalyedge.metrics.ClassMetrics;
import dev.anomalyedge.metrics.MetricsTable;
import dev.anomalyedge.training.data.Dataset;
import dev.anomalyedge.training.data.Sample;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.Comparator;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.function.IntConsumer;

/**
 * {@link Evaluation} with a memory bank per class (issue #13): the reference images of each class form its bank, and
 * every counted image is scored once by the engine (zero-shot and few-shot signals together); the three reports —
 * FUSED (the product's default), zero-shot and few-shot only — come from the same signals.
 */
public final class FewShotEvaluation {
    private FewShotEvaluation() {}

    /** The three reports, and the number of reference images and bank rows per class. */
    public record Result(Evaluation.Report fused, Evaluation.Report zeroShot, Evaluation.Report fewShot, Map<String, Integer> shots,
                         Map<String, Integer> bankRows) {

        /** The fused report's table and notes, then the three side by side (image and pixel AUROC, ×100). */
        public String toMarkdown() {
            StringBuilder sb = new StringBuilder(fused.toMarkdown());
            sb.append("\nZero-shot, few-shot only and fused (the default), image / pixel AUROC:\n\n")
                    .append("| class | k | zero-shot | few-shot | fused |\n|---|---|---|---|---|\n");
            Map<String, ClassMetrics> f = fused.table().classes();
            for (String cls : f.keySet()) {
                sb.append("| ").append(cls).append(" | ").append(shots.get(cls)).append(" | ").append(pair(zeroShot.table().classes().get(cls)))
                        .append(" | ").append(pair(fewShot.table().classes().get(cls))).append(" | ").append(pair(f.get(cls))).append(" |\n");
            }
            sb.append("| mean | | ").append(pair(zeroShot.mean())).append(" | ").append(pair(fewShot.mean())).append(" | ")
                    .append(pair(fused.mean())).append(" |\n");
            return sb.toString();
        }

        private static String pair(ClassMetrics m) {
            return String.format(Locale.ROOT, "%.1f / %.1f", 100 * m.imageAuroc(), 100 * m.pixelAuroc());
        }

        /** {@code dir/metrics.json} (the fused report, as without shots) and {@code dir/metrics.md} (with the comparison). */
        public void write(Path dir) throws IOException {
            fused.write(dir);
            Evaluation.writeAtomically(dir.resolve("metrics.md"), toMarkdown());
        }
    }

    /**
     * Evaluates {@code data} class by class with the bank of {@code shots.apply(className)} (reference image files).
     *
     * @param maxPatches a coreset bound for each bank (0 = every patch)
     */
    public static Result run(Dataset data, Evaluation.Scope scope, FewShotScorer scorer, int imageSize, Function<String, List<Path>> shots,
                             int maxPatches, int batch, IntConsumer done) {
        Preprocessing preprocessing = new Preprocessing(imageSize);
        MetricsTable fused = new MetricsTable(), zero = new MetricsTable(), few = new MetricsTable();
        Map<String, Evaluation.ClassCounts> counts = new LinkedHashMap<>();
        List<String> notes = new ArrayList<>();
        Map<String, Integer> shotCounts = new LinkedHashMap<>(), rows = new LinkedHashMap<>();
        int[] scored = {0};
        for (Map.Entry<String, List<Sample>> cls : data.byClass().entrySet()) {
            String name = cls.getKey();
            List<Path> references = shots.apply(name);
            if (references.isEmpty()) throw new IllegalArgumentException(name + ": no reference image for its memory bank");
            MemoryBank bank = scorer.bank(references.stream().map(p -> preprocessing.prepare(p).tensor()).toList(), maxPatches);
            shotCounts.put(name, references.size());
            rows.put(name, bank.size());
            Dataset one = new Dataset(data.root(), data.format(), cls.getValue(), List.of());
            Map<Path, FewShotScorer.Signals> cache = new HashMap<>();
            int before = scored[0];
            Evaluation.Report f = Evaluation.run(one, scope, view(FewShotScorer.Mode.FUSED, scorer, bank, preprocessing, cache), batch, null,
                    n -> done.accept(scored[0] = before + n), () -> false);
            Evaluation.Report z = Evaluation.run(one, scope, view(FewShotScorer.Mode.ZERO_SHOT, scorer, bank, preprocessing, cache), batch, null,
                    n -> { }, () -> false);
            Evaluation.Report s = Evaluation.run(one, scope, view(FewShotScorer.Mode.FEW_SHOT, scorer, bank, preprocessing, cache), batch, null,
                    n -> { }, () -> false);
            fused.put(name, f.table().classes().get(name));
            zero.put(name, z.table().classes().get(name));
            few.put(name, s.table().classes().get(name));
            counts.putAll(f.counts());
            notes.addAll(f.notes());
            MemoryBank.Fusion w = bank.fusion();
            notes.add(String.format(Locale.ROOT, "%s: memory bank of %d reference image(s), %d patches per tap (%.1f MB float16);"
                            + " fusion weights zero-shot/few-shot %.2f/%.2f (image), %.2f/%.2f (pixel)", name, references.size(), bank.size(),
                    bank.bytes() / 1e6, w.zsScoreWeight(), w.fsScoreWeight(), w.zsPixelWeight(), w.fsPixelWeight()));
        }
        return new Result(new Evaluation.Report(fused, counts, notes), new Evaluation.Report(zero, counts, List.of()),
                new Evaluation.Report(few, counts, List.of()), shotCounts, rows);
    }

    /**
     * The first {@code k} images (sorted by file name; png, jpg, jpeg, bmp; hidden files skipped) of
     * {@code shotsRoot/<className>/train/good}, the MVTec layout's good training parts.
     *
     * @throws IllegalArgumentException when the folder is missing or holds fewer than {@code k} images
     */
    public static List<Path> firstShots(Path shotsRoot, String className, int k) {
        if (k < 1) throw new IllegalArgumentException("--k must be >= 1, got " + k);
        Path dir = shotsRoot.resolve(className).resolve("train").resolve("good");
        if (!Files.isDirectory(dir)) throw new IllegalArgumentException(dir + ": no reference folder for class " + className + " (expected SHOTS_ROOT/<class>/train/good)");
        List<Path> images;
        try (Stream<Path> files = Files.list(dir)) {
            images = files.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().startsWith("."))
                    .filter(p -> IMAGE.matcher(p.getFileName().toString()).matches())
                    .sorted(Comparator.comparing(p -> p.getFileName().toString())).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
        if (images.size() < k) throw new IllegalArgumentException(dir + ": " + images.size() + " image(s), --k asks for " + k);
        return images.subList(0, k);
    }

    private static final Pattern IMAGE = Pattern.compile("(?i).+\\.(png|jpe?g|bmp)");

    /** Scores images by {@code mode} from the signals cached per file (the engine runs once per image for all three). */
    private static ImageScorer view(FewShotScorer.Mode mode, FewShotScorer scorer, MemoryBank bank, Preprocessing preprocessing,
                                    Map<Path, FewShotScorer.Signals> cache) {
        return new ImageScorer() {
            @Override
            public int imageSize() { return preprocessing.imageSize(); }

            @Override
            public Scores score(List<Path> images) {
                List<Path> missing = images.stream().filter(p -> !cache.containsKey(p)).toList();
                if (!missing.isEmpty()) {
                    List<FewShotScorer.Signals> s = scorer.signals(missing.stream().map(p -> preprocessing.prepare(p).tensor()).toList(), bank);
                    for (int i = 0; i < missing.size(); i++) cache.put(missing.get(i), s.get(i));
                }
                float[] scores = new float[images.size()];
                float[][] maps = new float[images.size()][];
                for (int i = 0; i < images.size(); i++) {
                    FewShotScorer.Scored r = FewShotScorer.combine(cache.get(images.get(i)), bank.fusion(), mode);
                    scores[i] = r.score();
                    maps[i] = r.map();
                }
                return new Scores(scores, maps);
            }
        };
    }
}
