package dev.anomalyedge.service;

import dev.anomalyedge.inspection.ErrorCode;
import dev.anomalyedge.inspection.InspectionException;
import dev.anomalyedge.inspection.InspectionPlan;
import dev.anomalyedge.inspection.LoadedModel;
import dev.anomalyedge.recipe.Recipe;
import dev.anomalyedge.recipe.RecipeBook;
import dev.anomalyedge.recipe.RecipeSettings;
import dev.anomalyedge.recipe.RecipeStore;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Recipes, one call per request: list, show, create (the bank for the serving model is built and the threshold
 * calibrated before the answer), delete, and a reference image's bytes. The answers are the REST views of the
 * recipes contract ({@link #view}).
 */
@ApplicationScoped
public class Recipes {
    private static final Logger LOG = Logger.getLogger(Recipes.class);

    @Inject
    Appliance app;

    /**
     * The plan for an inspection that asks for recipe {@code name} (null: the default, {@code defaultName}, or none);
     * an unknown recipe is an unknown_recipe failure.
     */
    static InspectionPlan plan(RecipeBook book, String name, String defaultName) {
        String wanted = name != null ? name : defaultName;
        if (wanted == null) return null;
        Recipe r = book.find(wanted).orElseThrow(() -> new InspectionException(ErrorCode.UNKNOWN_RECIPE, "unknown recipe '" + wanted + "'"
                + (name == null ? " (appliance.recipes.default)" : "")));
        return book.plan(r);
    }

    /** {@code {"default": name|null, "recipes": [R, …]}}. */
    public Map<String, Object> list() throws IOException {
        RecipeBook book = book();
        LoadedModel m = app.current();
        List<Map<String, Object>> out = new ArrayList<>();
        for (Recipe r : book.list()) out.add(view(r, book.state(r, m)));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("default", app.config().recipes().defaultRecipe().orElse(null));
        body.put("recipes", out);
        return body;
    }

    /** R plus {@code "reference_images"}. */
    public Map<String, Object> get(String name) {
        RecipeBook book = book();
        Recipe r = find(book, name);
        Map<String, Object> v = view(r, book.state(r, app.current()));
        v.put("reference_images", r.references());
        return v;
    }

    /** The bytes of one stored reference image. */
    public byte[] referenceImage(String name, String file) throws IOException {
        RecipeBook book = book();
        Recipe r = find(book, name);
        if (!r.references().contains(file)) throw new NotFound("recipe '" + name + "' has no reference image '" + file + "'");
        try {
            return Files.readAllBytes(book.store().imageFile(name, "references", file));
        } catch (NoSuchFileException e) {
            throw new NotFound("recipe '" + name + "' has no reference image '" + file + "'");
        }
    }

    /** Builds banks for {@code create(…, wait = false)}, one at a time, beside the inference worker. */
    private final java.util.concurrent.ExecutorService builds = java.util.concurrent.Executors.newSingleThreadExecutor(task -> {
        Thread t = new Thread(task, "recipe-bank-build");
        t.setDaemon(true);
        return t;
    });

    @jakarta.annotation.PreDestroy
    void stopBuilds() {
        builds.shutdownNow();
    }

    /**
     * Stores a recipe (409 when it exists and {@code replace} is false), then builds its bank for the serving model and
     * calibrates its threshold (a failure there leaves the recipe stored, with its bank FAILED and the reason). With
     * {@code wait} the answer comes after the build; without, at once, with the bank BUILDING (poll {@link #get}).
     */
    public Map<String, Object> create(String name, String settingsJson, List<RecipeStore.Upload> good,
                                      List<RecipeStore.Upload> validation, boolean replace, boolean wait) throws IOException {
        RecipeBook book = book();
        RecipeSettings settings = RecipeSettings.parse(settingsJson);
        Recipe r;
        try {
            r = book.create(name, settings, good, validation, replace);
        } catch (RecipeStore.Exists e) {
            throw new Conflict("Recipe exists", e.getMessage());
        }
        LoadedModel m = app.models() == null ? null : app.models().acquire();
        if (m != null && !wait) {
            book.prepareLater(r, m, builds, m::release);
        } else if (m != null) {
            try {
                book.prepare(r, m); // takes the engine batch by batch: inspections go on meanwhile
            } catch (RuntimeException e) {
                LOG.errorf(e, "recipe %s stored, but its bank for %s/%s failed", name, m.name(), m.version());
            } finally {
                m.release();
            }
        }
        return view(r, book.state(r, app.current()));
    }

    /** Deletes a recipe; 404 when unknown. Inspections already queued with it finish with what they hold. */
    public void delete(String name) throws IOException {
        if (!book().delete(name)) throw new NotFound("no recipe '" + name + "'");
    }

    /** The REST view R of the recipes contract. */
    static Map<String, Object> view(Recipe r, RecipeBook.BankState bank) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("name", r.name());
        v.put("created_at", r.createdAt());
        v.put("references", r.references().size());
        v.put("k", r.bankImages());
        v.put("mode", r.settings().mode().id());
        v.put("roi", r.settings().roi() == null ? null : Map.of("x", r.settings().roi().x(), "y", r.settings().roi().y(),
                "width", r.settings().roi().width(), "height", r.settings().roi().height()));
        v.put("tiles", r.settings().tiles() == null ? null : Map.of("rows", r.settings().tiles().rows(),
                "cols", r.settings().tiles().cols(), "overlap", r.settings().tiles().overlap()));
        v.put("max_patches", r.settings().maxPatches());
        v.put("threshold", bank.threshold());
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("model", bank.model());
        b.put("state", bank.state());
        b.put("patches", bank.patches());
        b.put("bytes", bank.bytes());
        b.put("error", bank.error());
        v.put("bank", b);
        return v;
    }

    private static Recipe find(RecipeBook book, String name) {
        return book.find(name).orElseThrow(() -> new NotFound("no recipe '" + name + "'"));
    }

    private RecipeBook book() {
        RecipeBook b = app.recipes();
        if (b == null) throw new InspectionException(InspectionException.Kind.UNAVAILABLE, "the appliance is not serving");
        return b;
    }
}
