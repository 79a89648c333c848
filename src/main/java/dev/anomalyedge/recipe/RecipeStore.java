package dev.anomalyedge.recipe;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.anomalyedge.fewshot.MemoryBank;
import dev.anomalyedge.util.DurableFiles;
import dev.anomalyedge.util.FileTrees;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Recipes on disk, one folder each under the recipes folder ({@code <model repository>/recipes} by default):
 * <pre>
 *   &lt;name&gt;/recipe.json                 {@link Recipe}: settings, reference and validation file names
 *   &lt;name&gt;/references/000.png …        the good images, byte for byte as uploaded
 *   &lt;name&gt;/validation/000.png …        optional good validation images (threshold only)
 *   &lt;name&gt;/banks/&lt;fingerprint&gt;.npy     the memory bank for one model, float16 [K, N, E]
 *   &lt;name&gt;/banks/&lt;fingerprint&gt;.json    its threshold and figures ({@link BankInfo})
 * </pre>
 * A recipe is written complete into a hidden staging folder and renamed into place in one step (a replaced one is
 * renamed aside first, then deleted), files inside it are written to a temporary name and renamed: a crash leaves the
 * old recipe or the new one, never half of one. Names are 1–64 of {@code A-Z a-z 0-9 . _ -}, not starting with a dot
 * or dash, so they can never leave the folder.
 */
public final class RecipeStore {
    private static final Logger LOG = Logger.getLogger(RecipeStore.class);
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,63}");
    private static final Pattern FILE = Pattern.compile("[0-9]{3}\\.(png|jpg|bmp|img)");
    public static final String RECIPE_JSON = "recipe.json";
    /** At most this many good (and validation) images per recipe. */
    public static final int MAX_IMAGES = 64;

    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private final Path dir;
    private final Object writes = new Object();
    /** Held for the renames that replace or remove a recipe's folder, and by {@link #get}: a reader never sees the gap. */
    private final Object swap = new Object();

    public RecipeStore(Path dir) {
        this.dir = dir;
    }

    public Path dir() { return dir; }

    /** One uploaded image: the name it came with (for messages) and its bytes. */
    public record Upload(String source, byte[] bytes) {}

    /** A bank's figures, stored beside it. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record BankInfo(String recipeId, String model, String fingerprint, Double threshold, String thresholdRule,
                           List<Double> goodScores, int patches, long bytes, String builtAt, int scoring) {
        /** A bank's figures made now, by today's scoring ({@link #SCORING}). */
        public BankInfo(String recipeId, String model, String fingerprint, Double threshold, String thresholdRule,
                        List<Double> goodScores, int patches, long bytes, String builtAt) {
            this(recipeId, model, fingerprint, threshold, thresholdRule, goodScores, patches, bytes, builtAt, SCORING);
        }
    }

    /**
     * The version of the scoring a stored threshold and good scores were computed with; a bank stored by another one is
     * built again (with its threshold). 2: fused scores reported on the few-shot scale (before: standardised, 0 or absent).
     * 3: a tiled reference image is left out with all its tiles for the fusion statistics (before: one tile at a time,
     * so its overlapping neighbours lowered its few-shot statistics).
     */
    public static final int SCORING = 3;

    /** A bank read back with its figures. */
    public record StoredBank(MemoryBank bank, BankInfo info) {}

    /** {@code name} if it is a valid recipe name, else a {@link RecipeException}. */
    public static String checkName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new RecipeException("recipe name must be 1-64 characters of A-Z a-z 0-9 . _ - not starting with . or -, got '"
                    + (name == null ? "" : name.length() > 80 ? name.substring(0, 80) + "…" : name) + "'");
        }
        return name;
    }

    /** Every readable recipe, by name; a folder whose recipe.json cannot be read is logged and left out. */
    public List<Recipe> list() throws IOException {
        if (!Files.isDirectory(dir)) return List.of();
        List<Recipe> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.sorted().toList()) {
                String n = p.getFileName().toString();
                if (!NAME.matcher(n).matches() || !Files.isDirectory(p)) continue;
                try {
                    get(n).ifPresent(out::add);
                } catch (IOException | RuntimeException e) {
                    LOG.warnf("recipe folder %s is unreadable, skipped: %s", p, e.getMessage());
                }
            }
        }
        return out;
    }

    /** The recipe {@code name}, empty when there is none. */
    public Optional<Recipe> get(String name) throws IOException {
        Path f = dir.resolve(checkName(name)).resolve(RECIPE_JSON);
        try {
            byte[] json;
            synchronized (swap) {
                json = Files.readAllBytes(f);
            }
            Recipe r = JSON.readValue(json, Recipe.class);
            if (!name.equals(r.name())) throw new IOException(f + " names recipe '" + r.name() + "'");
            return Optional.of(r);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    /**
     * Writes a new recipe; with {@code replace} an existing one of that name is replaced, else {@link Exists} is
     * thrown. The images must already have been checked ({@code RecipeBook#create}); they are stored as given.
     */
    public Recipe create(String name, RecipeSettings settings, List<Upload> good, List<Upload> validation, boolean replace)
            throws IOException {
        checkName(name);
        if (good.isEmpty()) throw new RecipeException("a recipe needs at least one good image");
        if (good.size() > MAX_IMAGES || validation.size() > MAX_IMAGES) {
            throw new RecipeException("at most " + MAX_IMAGES + " good and " + MAX_IMAGES + " validation images per recipe");
        }
        settings.bankImages(good.size());
        synchronized (writes) {
            Path target = dir.resolve(name);
            if (!replace && Files.exists(target)) throw new Exists(name);
            Files.createDirectories(dir);
            Path staging = dir.resolve(".staging-" + UUID.randomUUID());
            try {
                List<String> refs = writeImages(staging.resolve("references"), good);
                List<String> val = writeImages(staging.resolve("validation"), validation);
                Files.createDirectories(staging.resolve("banks"));
                Recipe r = new Recipe(name, UUID.randomUUID().toString(), Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(),
                        settings, refs, val);
                DurableFiles.replace(staging.resolve(RECIPE_JSON), JSON.writeValueAsBytes(r));
                Path aside = null;
                synchronized (swap) {
                    if (Files.exists(target)) {
                        aside = dir.resolve(".replaced-" + UUID.randomUUID());
                        Files.move(target, aside, StandardCopyOption.ATOMIC_MOVE);
                    }
                    try {
                        Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
                    } catch (FileAlreadyExistsException e) {
                        throw new Exists(name);
                    }
                }
                if (aside != null) FileTrees.deleteTree(aside);
                return r;
            } finally {
                FileTrees.deleteTree(staging);
            }
        }
    }

    /** Deletes the recipe {@code name}; false when there is none. Renamed aside in one step, then removed. */
    public boolean delete(String name) throws IOException {
        checkName(name);
        synchronized (writes) {
            Path target = dir.resolve(name);
            if (!Files.isDirectory(target)) return false;
            Path aside = dir.resolve(".deleted-" + UUID.randomUUID());
            synchronized (swap) {
                Files.move(target, aside, StandardCopyOption.ATOMIC_MOVE);
            }
            FileTrees.deleteTree(aside);
            return true;
        }
    }

    /** A stored reference image ({@code folder} references or validation); throws for a name that is not one of ours. */
    public Path imageFile(String name, String folder, String file) {
        checkName(name);
        if (!folder.equals("references") && !folder.equals("validation")) throw new IllegalArgumentException(folder);
        if (file == null || !FILE.matcher(file).matches()) throw new RecipeException("no such reference image '" + file + "'");
        return dir.resolve(name).resolve(folder).resolve(file);
    }

    /** The bytes of stored images of {@code r} ({@code folder} references or validation), in file-name order. */
    public List<Upload> images(Recipe r, String folder) throws IOException {
        List<String> files = folder.equals("references") ? r.references() : r.validation();
        List<Upload> out = new ArrayList<>(files.size());
        for (String f : files) out.add(new Upload(f, Files.readAllBytes(imageFile(r.name(), folder, f))));
        return out;
    }

    /** The stored bank of {@code r} for the model {@code fingerprint}, empty when there is none (or it is for older images). */
    public Optional<StoredBank> readBank(Recipe r, String fingerprint) {
        Path npy = bankFile(r, fingerprint, ".npy");
        try {
            BankInfo i = storedInfo(r, fingerprint);
            if (i == null || !r.id().equals(i.recipeId())) return Optional.empty();
            if (i.scoring() != SCORING) {
                LOG.infof("stored bank %s was calibrated by scoring version %d (now %d): it is rebuilt", npy, i.scoring(), SCORING);
                return Optional.empty();
            }
            return Optional.of(new StoredBank(MemoryBank.read(npy), i));
        } catch (IOException | RuntimeException e) {
            LOG.warnf("stored bank %s is unreadable, it will be rebuilt: %s", npy, e.getMessage());
            return Optional.empty();
        }
    }

    /** The figures of the stored bank of {@code r} for {@code fingerprint} (without reading the bank), empty when none. */
    public Optional<BankInfo> readBankInfo(Recipe r, String fingerprint) {
        try {
            BankInfo i = storedInfo(r, fingerprint);
            return i != null && r.id().equals(i.recipeId()) && i.scoring() == SCORING ? Optional.of(i) : Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** The figures as stored beside the bank of {@code r} for {@code fingerprint}, unchecked; null when either file is missing. */
    private BankInfo storedInfo(Recipe r, String fingerprint) throws IOException {
        Path npy = bankFile(r, fingerprint, ".npy"), info = bankFile(r, fingerprint, ".json");
        if (!Files.exists(npy) || !Files.exists(info)) return null;
        return JSON.readValue(Files.readAllBytes(info), BankInfo.class);
    }

    private Path bankFile(Recipe r, String fingerprint, String extension) {
        return dir.resolve(r.name()).resolve("banks").resolve(fingerprint + extension);
    }

    /** Stores a bank and its figures (each file temp + rename); a recipe deleted meanwhile is not recreated. */
    public void writeBank(Recipe r, String fingerprint, MemoryBank bank, BankInfo info) throws IOException {
        Path banks = dir.resolve(r.name()).resolve("banks");
        synchronized (writes) {
            Optional<Recipe> now = get(r.name());
            if (now.isEmpty() || !now.get().id().equals(r.id())) return; // deleted or replaced while the bank was built
            Files.createDirectories(banks);
            writeBankFiles(bank, banks.resolve(fingerprint + ".npy"));
            DurableFiles.replace(banks.resolve(fingerprint + ".json"), JSON.writeValueAsBytes(info));
        }
    }

    private static List<String> writeImages(Path folder, List<Upload> images) throws IOException {
        Files.createDirectories(folder);
        List<String> names = new ArrayList<>(images.size());
        for (int i = 0; i < images.size(); i++) {
            String n = String.format(Locale.ROOT, "%03d.%s", i, extension(images.get(i).bytes()));
            Files.write(folder.resolve(n), images.get(i).bytes());
            names.add(n);
        }
        return names;
    }

    /** The file extension for an image's magic bytes (png, jpg, bmp; img for anything else the decoder took). */
    static String extension(byte[] b) {
        if (b.length >= 4 && (b[0] & 0xff) == 0x89 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G') return "png";
        if (b.length >= 3 && (b[0] & 0xff) == 0xff && (b[1] & 0xff) == 0xd8 && (b[2] & 0xff) == 0xff) return "jpg";
        if (b.length >= 2 && b[0] == 'B' && b[1] == 'M') return "bmp";
        return "img";
    }

    /** The bank's .npy and fusion statistics ({@link MemoryBank#write}), each written to a temporary name and renamed. */
    private static void writeBankFiles(MemoryBank bank, Path npy) throws IOException {
        Path tmp = npy.resolveSibling(npy.getFileName() + ".tmp-" + UUID.randomUUID());
        Path tmpStats = tmp.resolveSibling(tmp.getFileName() + ".fusion.json");
        try {
            bank.write(tmp);
            Path stats = npy.resolveSibling(npy.getFileName() + ".fusion.json");
            if (Files.exists(tmpStats)) Files.move(tmpStats, stats, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            else Files.deleteIfExists(stats);
            Files.move(tmp, npy, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
            Files.deleteIfExists(tmpStats);
        }
    }

    /** A recipe of that name exists already (REST: 409 unless replace=true). */
    public static final class Exists extends RuntimeException {
        public Exists(String name) {
            super("recipe '" + name + "' exists already; send replace=true to replace it");
        }
    }
}
