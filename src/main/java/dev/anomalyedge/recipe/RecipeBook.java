package dev.anomalyedge.recipe;

import dev.anomalyedge.bundle.BundleManifest;
import dev.anomalyedge.engine.AnomalyEngine;
import dev.anomalyedge.evaluation.Calibrator;
import dev.anomalyedge.fewshot.FewShotScorer;
import dev.anomalyedge.fewshot.MemoryBank;
import dev.anomalyedge.image.ImageDecoder;
import dev.anomalyedge.image.PillowImage;
import dev.anomalyedge.inspection.LoadedModel;
import dev.anomalyedge.inspection.Preprocessing;
import dev.anomalyedge.util.Digests;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The recipes a serving appliance knows, with their memory banks for the models that serve them. A bank belongs to one
 * recipe version ({@link Recipe#id()}) and one model ({@link #fingerprint}); it is built on the model's engine one
 * batch at a time ({@link LoadedModel#sharedEngine}, so a serving model goes on inspecting meanwhile), read back from
 * the recipe's folder when it was built before, and
 * kept in memory for the serving model only. Building one also calibrates the recipe's threshold:
 * <pre>
 *   leave-one-out   for each of the k bank images i (k ≥ 2): score of image i against the bank of the other k − 1
 *   held out        references after the first k, and validation images: score against the full bank
 *   threshold       Calibrator's good-only rule on those good scores (false-alarm rate 1 %: with fewer than 100
 *                   scores, the largest good score plus one standard deviation, capped halfway to 1)
 * </pre>
 * An image's score is the largest of its tiles' scores (each tile is scored like a whole image). Without any held-out
 * good score (k = 1, no validation images) the recipe has no threshold and its verdicts are UNCALIBRATED.
 */
public final class RecipeBook {
    private static final Logger LOG = Logger.getLogger(RecipeBook.class);
    /** The false-alarm rate the threshold aims at. */
    public static final double FALSE_ALARM_RATE = 0.01;

    private final RecipeStore store;
    private final ImageDecoder decoder;
    private final int maxBatch;
    private final int maxMapSide;
    private final Map<String, Prepared> banks = new ConcurrentHashMap<>();   // recipe id @ fingerprint
    private final Map<String, String> failures = new ConcurrentHashMap<>();  // recipe id @ fingerprint → why
    private final Set<String> building = ConcurrentHashMap.newKeySet();

    /**
     * @param decoder    decodes reference and validation images (its limits apply)
     * @param maxBatch   images per engine call while building banks
     * @param maxMapSide the long side of stitched maps at most (ROI / tiles)
     */
    public RecipeBook(RecipeStore store, ImageDecoder decoder, int maxBatch, int maxMapSide) {
        this.store = store;
        this.decoder = decoder;
        this.maxBatch = maxBatch;
        this.maxMapSide = maxMapSide;
    }

    public RecipeStore store() { return store; }

    /** A bank ready for one model, with its figures. */
    public record Prepared(MemoryBank bank, RecipeStore.BankInfo info) {}

    /** The state of a recipe's bank for one model, as the REST view reports it. */
    public record BankState(String model, String state, int patches, long bytes, String error, Double threshold) {}

    /**
     * A model's identity for banks: {@code <name>-<version>-<12 hex>}, the hex from the SHA-256 of name, version and
     * the manifest's source checksums (CLIP weights, prompts), so a re-exported bundle of the same name gets new banks.
     */
    public static String fingerprint(LoadedModel m) {
        List<String> parts = new ArrayList<>(List.of(m.name(), m.version()));
        Map<String, BundleManifest.Source> sources = m.bundle().manifest().sources();
        if (sources != null) {
            sources.entrySet().stream().sorted(Map.Entry.comparingByKey())
                    .forEach(e -> parts.add(e.getKey() + "=" + (e.getValue() == null ? "" : e.getValue().sha256())));
        }
        String hex = Digests.sha256Lines(parts.toArray(String[]::new)).substring(0, 12);
        return (m.name() + "-" + m.version()).replaceAll("[^A-Za-z0-9._-]", "_") + "-" + hex;
    }

    /**
     * The recipe {@code name} as its folder holds it now, empty when unknown (a bad name is unknown too). Read for every
     * use (a small JSON file), so a recipe created, replaced or deleted by the {@code recipe} command while the appliance
     * runs is seen at its next inspection.
     */
    public Optional<Recipe> find(String name) {
        try {
            RecipeStore.checkName(name);
        } catch (RecipeException e) {
            return Optional.empty();
        }
        try {
            return store.get(name);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read recipe '" + name + "': " + e.getMessage(), e);
        }
    }

    /** Every recipe on disk. */
    public List<Recipe> list() throws IOException {
        return store.list();
    }

    /**
     * Checks and stores a recipe: every image must decode within the decoder's limits and fit the settings (ROI inside
     * it, tiles not smaller than a pixel). Its bank is not built here ({@link #prepare}).
     */
    public Recipe create(String name, RecipeSettings settings, List<RecipeStore.Upload> good, List<RecipeStore.Upload> validation,
                         boolean replace) throws IOException {
        RecipeStore.checkName(name);
        for (List<RecipeStore.Upload> images : List.of(good, validation)) {
            for (RecipeStore.Upload u : images) cut(decode(u), settings, u.source());
        }
        return store.create(name, settings, good, validation, replace);
    }

    /** Deletes a recipe and forgets its banks; false when unknown. */
    public boolean delete(String name) throws IOException {
        Optional<Recipe> r = find(name);
        boolean deleted = store.delete(name);
        r.ifPresent(x -> banks.keySet().removeIf(k -> k.startsWith(x.id() + "@")));
        return deleted;
    }

    /** The plan that scores an inspection with recipe {@code r}. */
    public RecipePlan plan(Recipe r) {
        return new RecipePlan(r, this, maxMapSide);
    }

    /**
     * The bank of {@code r} for {@code model}: from memory, else from the recipe's folder, else built (and stored).
     * A build takes the model's engine one batch at a time ({@link LoadedModel#sharedEngine}), so a model that serves
     * goes on inspecting between the build's batches; the caller may hold the engine already (the inference worker).
     */
    public Prepared prepare(Recipe r, LoadedModel model) {
        String fp = fingerprint(model);
        String key = r.id() + "@" + fp;
        Prepared p = banks.get(key);
        if (p != null) return p;
        Optional<RecipeStore.StoredBank> stored = store.readBank(r, fp);
        if (stored.isPresent()) {
            p = new Prepared(stored.get().bank(), stored.get().info());
        } else {
            building.add(key);
            try {
                long t0 = System.nanoTime();
                p = build(r, model, fp);
                LOG.infof("recipe %s: bank for %s/%s built in %.1f s (%d patches, %d bytes, threshold %s)", r.name(), model.name(),
                        model.version(), (System.nanoTime() - t0) / 1e9, p.bank().size(), p.bank().bytes(), p.info().threshold());
                store.writeBank(r, fp, p.bank(), p.info());
                failures.remove(key);
            } catch (IOException e) {
                failures.put(key, e.getMessage());
                throw new UncheckedIOException("recipe " + r.name() + ": " + e.getMessage(), e);
            } catch (RuntimeException e) {
                failures.put(key, String.valueOf(e.getMessage()));
                throw e;
            } finally {
                building.remove(key);
            }
        }
        if (find(r.name()).map(x -> x.id().equals(r.id())).orElse(false)) banks.put(key, p); // not for a deleted/replaced recipe
        return p;
    }

    /**
     * Builds the bank of {@code r} for {@code model} on {@code executor} ({@link #prepare}); its state is BUILDING from
     * this call until it is READY or FAILED. {@code done} runs after, whatever the outcome (the caller releases the
     * model there); a failure is logged and kept as FAILED.
     */
    public void prepareLater(Recipe r, LoadedModel model, java.util.concurrent.Executor executor, Runnable done) {
        String key = r.id() + "@" + fingerprint(model);
        building.add(key);
        try {
            executor.execute(() -> {
                try {
                    prepare(r, model);
                } catch (RuntimeException e) {
                    LOG.errorf(e, "recipe %s: no bank for %s/%s", r.name(), model.name(), model.version());
                } finally {
                    building.remove(key);
                    done.run();
                }
            });
        } catch (RuntimeException e) { // refused (shutting down): nothing will run
            building.remove(key);
            done.run();
            throw e;
        }
    }

    /**
     * Builds (or reads back) the bank of every recipe for {@code model}, e.g. before it starts serving; a recipe whose
     * bank cannot be built is logged and reported as FAILED, and is tried again when it is used.
     */
    public void prepareAll(LoadedModel model) {
        List<Recipe> all;
        try {
            all = list();
        } catch (IOException e) {
            LOG.errorf("cannot list the recipes in %s: %s", store.dir(), e.getMessage());
            return;
        }
        for (Recipe r : all) {
            try {
                prepare(r, model);
            } catch (RuntimeException e) {
                LOG.errorf(e, "recipe %s: no bank for %s/%s", r.name(), model.name(), model.version());
            }
        }
    }

    /** Forgets the banks of every model but {@code serving} (after a swap). */
    public void retainOnly(LoadedModel serving) {
        String suffix = "@" + fingerprint(serving);
        banks.keySet().removeIf(k -> !k.endsWith(suffix));
    }

    /** The state of {@code r}'s bank for {@code model} (null: no model serving). */
    public BankState state(Recipe r, LoadedModel model) {
        if (model == null) return new BankState(null, "NONE", 0, 0, null, null);
        String fp = fingerprint(model), key = r.id() + "@" + fp, id = model.name() + "/" + model.version();
        Prepared p = banks.get(key);
        RecipeStore.BankInfo info = p != null ? p.info() : store.readBankInfo(r, fp).orElse(null);
        if (info != null) return new BankState(id, "READY", info.patches(), info.bytes(), null, info.threshold());
        if (building.contains(key)) return new BankState(id, "BUILDING", 0, 0, null, null);
        String error = failures.get(key);
        if (error != null) return new BankState(id, "FAILED", 0, 0, error, null);
        return new BankState(id, "NONE", 0, 0, null, null);
    }

    private Prepared build(Recipe r, LoadedModel model, String fp) throws IOException {
        AnomalyEngine engine = model.sharedEngine();
        FewShotScorer scorer = new FewShotScorer(engine, model.bundle().settings(), maxBatch);
        Preprocessing prep = new Preprocessing(engine.imageSize(), decoder, 0);
        RecipeSettings s = r.settings();
        List<List<float[]>> refs = tensors(store.images(r, "references"), s, prep);
        int k = r.bankImages();
        FewShotScorer.References built = scorer.references(refs.subList(0, k), s.coresetBound());
        MemoryBank bank = built.bank();
        List<Double> good = new ArrayList<>();
        if (k >= 2) { // each bank image against the bank of the others, as the bank build searched it (no second engine run)
            for (List<FewShotScorer.SelfScore> tiles : built.leaveOneOut()) {
                double max = Double.NEGATIVE_INFINITY;
                for (FewShotScorer.SelfScore t : tiles) max = Math.max(max, FewShotScorer.score(t, bank.fusion(), s.mode().scorer()));
                good.add(max);
            }
        }
        for (int i = k; i < refs.size(); i++) good.add(imageScore(scorer, refs.get(i), bank, s));
        for (List<float[]> v : tensors(store.images(r, "validation"), s, prep)) good.add(imageScore(scorer, v, bank, s));
        Double threshold = null;
        String rule = "no held-out good image (k = 1 and no validation images): uncalibrated";
        if (!good.isEmpty()) {
            float[] g = new float[good.size()];
            for (int i = 0; i < g.length; i++) g[i] = good.get(i).floatValue();
            // few-shot scores lie in [0, 1]; fused scores are on the few-shot scale but not bounded by it (the zero-shot
            // quarter can push them past 1), so their margin is capped relative to the largest good score instead
            double max = 0;
            for (float v : g) max = Math.max(max, Math.abs(v));
            double hi = s.mode() == RecipeSettings.Mode.FEW_SHOT ? 1.0 : Math.max(1.0, 2 * max);
            Calibrator.Threshold t = Calibrator.goodQuantile(g, FALSE_ALARM_RATE, hi);
            threshold = t.value();
            rule = t.rule();
        }
        RecipeStore.BankInfo info = new RecipeStore.BankInfo(r.id(), model.name() + "/" + model.version(), fp, threshold, rule,
                good, bank.size(), bank.bytes(), Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        return new Prepared(bank, info);
    }

    /** An image's score: the largest of its tiles' scores. */
    private static double imageScore(FewShotScorer scorer, List<float[]> tiles, MemoryBank bank, RecipeSettings s) {
        double max = Double.NEGATIVE_INFINITY;
        for (FewShotScorer.Scored t : scorer.score(tiles, bank, s.mode().scorer())) max = Math.max(max, t.score());
        return max;
    }

    private List<List<float[]>> tensors(List<RecipeStore.Upload> images, RecipeSettings s, Preprocessing prep) {
        List<List<float[]>> out = new ArrayList<>(images.size());
        for (RecipeStore.Upload u : images) {
            List<float[]> tiles = new ArrayList<>();
            for (PillowImage tile : cut(decode(u), s, u.source())) tiles.add(prep.prepare(tile).tensor());
            out.add(tiles);
        }
        return out;
    }

    private PillowImage decode(RecipeStore.Upload u) {
        try {
            return decoder.decode(u.bytes(), u.source());
        } catch (RuntimeException e) {
            throw new RecipeException(u.source() + ": " + e.getMessage(), e);
        }
    }

    /** The ROI crop of {@code image} cut into the recipe's tiles (one tile without tiling). */
    static List<PillowImage> cut(PillowImage image, RecipeSettings s, String source) {
        Tiling.Rect region = region(image, s, source);
        PillowImage cropped = Tiling.crop(image, region);
        if (s.tiles() == null) return List.of(cropped);
        List<PillowImage> out = new ArrayList<>(s.tiles().count());
        for (Tiling.Rect t : Tiling.layout(cropped.width(), cropped.height(), s.tiles())) out.add(Tiling.crop(cropped, t));
        return out;
    }

    /** The ROI (checked to lie inside the image), or the whole image. */
    static Tiling.Rect region(PillowImage image, RecipeSettings s, String source) {
        Roi roi = s.roi();
        if (roi == null) return new Tiling.Rect(0, 0, image.width(), image.height());
        roi.checkInside(image.width(), image.height(), source);
        return new Tiling.Rect(roi.x(), roi.y(), roi.width(), roi.height());
    }
}
