package dev.anomalyedge.cli;

import dev.anomalyedge.bundle.ModelBundle;
import dev.anomalyedge.bundle.ModelRepository;
import dev.anomalyedge.engine.select.SelectedEngine;
import dev.anomalyedge.image.ImageDecoder;
import dev.anomalyedge.inspection.LoadedModel;
import dev.anomalyedge.recipe.Recipe;
import dev.anomalyedge.recipe.RecipeBook;
import dev.anomalyedge.recipe.RecipeException;
import dev.anomalyedge.recipe.RecipeSettings;
import dev.anomalyedge.recipe.RecipeStore;
import dev.anomalyedge.recipe.Roi;
import dev.anomalyedge.recipe.Tiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/** Recipes in a model repository: create one from a folder of good images (its bank built for the repository's model), list, delete. */
@Command(name = "recipe", mixinStandardHelpOptions = true,
        description = "Recipes (good reference images per part type, ROI, tiling, calibrated threshold) in <models>/recipes.",
        subcommands = {RecipeCommand.Create.class, RecipeCommand.ListRecipes.class, RecipeCommand.Delete.class})
public class RecipeCommand implements Runnable {
    @Override
    public void run() {
        Console.info("use: recipe create | recipe list | recipe delete (see --help)");
    }

    /** Where the recipes are: the model repository and the recipes folder in it (or elsewhere). */
    static class Place {
        @Option(names = "--models", defaultValue = "models", description = "model repository (default: ${DEFAULT-VALUE})")
        Path models;

        @Option(names = "--recipes", description = "recipes folder (default: <models>/recipes)")
        Path recipes;

        RecipeStore store() {
            return new RecipeStore(recipes != null ? recipes : models.resolve("recipes"));
        }
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = {"Create (or with --replace replace) a recipe from the good images in DIR (png, jpg, bmp; by file name),",
                    "then build its memory bank for the repository's serving model and calibrate its threshold (leave-one-out)."})
    static class Create implements Callable<Integer> {
        @Mixin
        Place place = new Place();

        @Option(names = "--name", required = true, description = "recipe name (A-Z a-z 0-9 . _ -)")
        String name;

        @Option(names = "--good", required = true, description = "folder of good images")
        Path good;

        @Option(names = "--validation", description = "folder of good validation images (threshold only)")
        Path validation;

        @Option(names = "--k", description = "images in the bank: the first K by file name (default: all)")
        Integer k;

        @Option(names = "--roi", description = "region of interest x,y,width,height in original-image pixels")
        String roi;

        @Option(names = "--tiles", description = "tiles RxC or RxC:overlap (overlap a fraction of the tile, default 0.1)")
        String tiles;

        @Option(names = "--mode", defaultValue = "fused", description = "fused or few_shot (default: ${DEFAULT-VALUE})")
        String mode;

        @Option(names = "--max-patches", description = "bound the bank to this many patches per tap by greedy coreset selection"
                + " (default: every patch)")
        Integer maxPatches;

        @Option(names = "--replace", description = "replace a recipe of that name")
        boolean replace;

        @Option(names = "--batch-size", defaultValue = "8", description = "images per engine call (default: ${DEFAULT-VALUE})")
        int batchSize;

        @Mixin
        EngineOptions engineOptions = new EngineOptions();

        @Override
        public Integer call() throws IOException {
            RecipeBook book = new RecipeBook(place.store(), new ImageDecoder(), batchSize, 1024);
            Recipe r;
            try {
                RecipeSettings s = new RecipeSettings(k, roi == null ? null : Roi.parse(roi), tiles == null ? null : Tiles.parse(tiles),
                        RecipeSettings.Mode.of(mode.toLowerCase(Locale.ROOT)), maxPatches);
                r = book.create(name, s, images(good), validation == null ? List.of() : images(validation), replace);
            } catch (RecipeException | RecipeStore.Exists e) {
                Console.info(e.getMessage());
                return 2;
            }
            Console.info("recipe " + r.name() + " stored in " + book.store().dir().resolve(r.name()) + " (" + r.references().size()
                    + " good images, k = " + r.bankImages() + ")");
            ModelRepository repo = new ModelRepository(place.models);
            Optional<ModelRepository.ModelRef> ref = repo.defaultModel();
            if (ref.isEmpty()) {
                Console.info("no model in " + place.models + ": the bank is built when a model first serves this recipe");
                return 0;
            }
            Path dir = repo.bundleDir(ref.get().name(), ref.get().version());
            ModelBundle bundle = ModelBundle.load(dir);
            try (SelectedEngine selected = engineOptions.open(bundle, batchSize)) {
                LoadedModel m = new LoadedModel(bundle, selected.engine(), ref.get().name(), ref.get().version());
                long t0 = System.nanoTime();
                RecipeBook.Prepared p = book.prepare(r, m);
                Console.info(String.format(Locale.ROOT, "bank for %s: %d patches, %d bytes, built in %.1f s; threshold %s (%s)",
                        ref.get(), p.bank().size(), p.bank().bytes(), (System.nanoTime() - t0) / 1e9,
                        p.info().threshold() == null ? "none" : String.format(Locale.ROOT, "%.6f", p.info().threshold()),
                        p.info().thresholdRule()));
            }
            return 0;
        }

        private static List<RecipeStore.Upload> images(Path dir) throws IOException {
            List<RecipeStore.Upload> out = new ArrayList<>();
            try (Stream<Path> s = Files.list(dir)) {
                for (Path f : s.filter(p -> p.getFileName().toString().toLowerCase(Locale.ROOT).matches(".*\\.(png|jpe?g|bmp)"))
                        .sorted().toList()) {
                    out.add(new RecipeStore.Upload(f.getFileName().toString(), Files.readAllBytes(f)));
                }
            }
            return out;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "The recipes of the repository.")
    static class ListRecipes implements Callable<Integer> {
        @Mixin
        Place place = new Place();

        @Override
        public Integer call() throws IOException {
            for (Recipe r : place.store().list()) {
                RecipeSettings s = r.settings();
                System.out.printf("%-24s %2d good, k = %d, %s%s%s%n", r.name(), r.references().size(), r.bankImages(), s.mode().id(),
                        s.roi() == null ? "" : ", roi " + s.roi().x() + "," + s.roi().y() + "," + s.roi().width() + "," + s.roi().height(),
                        s.tiles() == null ? "" : ", tiles " + s.tiles().rows() + "x" + s.tiles().cols() + ":" + s.tiles().overlap());
            }
            return 0;
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete a recipe.")
    static class Delete implements Callable<Integer> {
        @Mixin
        Place place = new Place();

        @Option(names = "--name", required = true, description = "recipe name")
        String name;

        @Override
        public Integer call() throws IOException {
            try {
                if (place.store().delete(name)) return 0;
            } catch (RecipeException e) {
                Console.info(e.getMessage());
                return 2;
            }
            Console.info("no recipe '" + name + "'");
            return 1;
        }
    }
}
