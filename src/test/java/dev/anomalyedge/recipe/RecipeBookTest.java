package dev.anomalyedge.recipe;

import dev.anomalyedge.fewshot.FewShotScorer;
import dev.anomalyedge.image.ImageDecoder;
import dev.anomalyedge.inspection.EngineBatches;
import dev.anomalyedge.inspection.InspectionPlan;
import dev.anomalyedge.inspection.LoadedModel;
import dev.anomalyedge.inspection.Preprocessing;
import dev.anomalyedge.synthetic.SyntheticParts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Banks and thresholds of recipes with the demo model (ONNX Runtime). */
class RecipeBookTest {
    static final SyntheticParts.Defect GOOD = SyntheticParts.Defect.NONE;

    @TempDir
    Path dir;

    @Test
    void theThresholdComesFromLeaveOneOutScoresAndTheBankIsStoredForTheModel() throws IOException {
        LoadedModel m = DemoModel.get();
        RecipeBook book = new RecipeBook(new RecipeStore(dir), new ImageDecoder(), 8, 1024);
        List<RecipeStore.Upload> good = new ArrayList<>();
        for (int seed = 1; seed <= 4; seed++) good.add(DemoModel.part(224, seed, GOOD));
        Recipe r = book.create("disc", new RecipeSettings(null, null, null, RecipeSettings.Mode.FEW_SHOT), good, List.of(), false);
        RecipeBook.Prepared p = m.withEngine(e -> book.prepare(r, m));

        assertEquals(4 * 14 * 14, p.bank().size(), "every patch of the 4 images (14×14 grid)");
        List<Double> loo = p.info().goodScores();
        assertEquals(4, loo.size(), "one leave-one-out score per bank image");
        double max = loo.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
        assertTrue(p.info().threshold() > max && p.info().threshold() < 1, p.info().threshold() + " above the good scores " + loo);

        // each is that image scored as a served one against the bank of the other three (to the bank's float16 rounding:
        // the build searched with the image's bank rows instead of running the image through the engine again)
        FewShotScorer scorer = new FewShotScorer(m.engine(), m.bundle().settings(), 8);
        for (int i = 0; i < 4; i++) {
            float[] image = new Preprocessing(224).prepare(new ImageDecoder().decode(good.get(i).bytes(), "" + i)).tensor();
            int left = i;
            float served = m.withEngine(e -> scorer.score(List.of(image), p.bank().leaveOut(4, left), FewShotScorer.Mode.FEW_SHOT).get(0).score());
            assertEquals(served, loo.get(i), 2e-3, "image " + i + " left out");
        }

        // leave-one-out means image 0 was scored without itself in the bank: with itself it matches exactly
        float[] first = new Preprocessing(224).prepare(new ImageDecoder().decode(good.get(0).bytes(), "0")).tensor();
        float withItself = m.withEngine(e -> scorer.score(List.of(first), p.bank(), FewShotScorer.Mode.FEW_SHOT).get(0).score());
        assertTrue(withItself < loo.get(0), "with itself " + withItself + " vs left out " + loo.get(0));

        // a defective part is judged NG by that threshold, a new good one OK
        assertTrue(score(book, r, m, DemoModel.part(224, 11, SyntheticParts.Defect.SPOT)) >= p.info().threshold(), "spot is NG");
        assertTrue(score(book, r, m, DemoModel.part(224, 12, GOOD)) < p.info().threshold(), "a new good part is OK");

        // a new book (a restart) reads the bank back instead of building it again
        RecipeBook again = new RecipeBook(new RecipeStore(dir), new ImageDecoder(), 8, 1024);
        RecipeBook.Prepared back = m.withEngine(e -> again.prepare(again.find("disc").orElseThrow(), m));
        assertEquals(p.info(), back.info());
        assertEquals("READY", again.state(r, m).state());
    }

    /** The `recipe` command writes with a store of its own: a running book sees its creations, replacements and deletions. */
    @Test
    void recipesWrittenByAnotherProcessAreSeenAtTheirNextUse() throws IOException {
        RecipeBook running = new RecipeBook(new RecipeStore(dir), new ImageDecoder(), 8, 1024);
        RecipeStore command = new RecipeStore(dir);
        assertTrue(running.find("late").isEmpty());
        Recipe first = command.create("late", RecipeSettings.defaults(), List.of(DemoModel.part(64, 1, GOOD)), List.of(), false);
        assertEquals(first.id(), running.find("late").orElseThrow().id());
        Recipe second = command.create("late", RecipeSettings.defaults(), List.of(DemoModel.part(64, 2, GOOD)), List.of(), true);
        assertEquals(second.id(), running.find("late").orElseThrow().id(), "the replacement, not the first version");
        assertTrue(command.delete("late"));
        assertTrue(running.find("late").isEmpty());
    }

    @Test
    void oneShotNeedsValidationImagesForAThreshold() throws IOException {
        LoadedModel m = DemoModel.get();
        RecipeBook book = new RecipeBook(new RecipeStore(dir), new ImageDecoder(), 8, 1024);
        Recipe alone = book.create("alone", RecipeSettings.defaults(), List.of(DemoModel.part(224, 1, GOOD)), List.of(), false);
        assertNull(m.withEngine(e -> book.prepare(alone, m)).info().threshold(), "k = 1 and nothing held out: uncalibrated");
        Recipe validated = book.create("validated", RecipeSettings.defaults(), List.of(DemoModel.part(224, 1, GOOD)),
                List.of(DemoModel.part(224, 2, GOOD), DemoModel.part(224, 3, GOOD)), false);
        RecipeBook.Prepared p = m.withEngine(e -> book.prepare(validated, m));
        assertEquals(2, p.info().goodScores().size());
        assertTrue(p.info().threshold() > p.info().goodScores().stream().mapToDouble(Double::doubleValue).max().orElseThrow());
    }

    /**
     * max_patches bounds the bank by coreset selection, and the threshold is calibrated on what that bank serves: each
     * bank image against the coreset's rows of the other images, a subset of theirs, so it scores at least as high as
     * against all of them. The setting round-trips through recipe.json.
     */
    @Test
    void aCoresetBoundedBankIsCalibratedOnTheBoundedBank() throws IOException {
        LoadedModel m = DemoModel.get();
        RecipeBook book = new RecipeBook(new RecipeStore(dir), new ImageDecoder(), 8, 1024);
        List<RecipeStore.Upload> good = new ArrayList<>();
        for (int seed = 1; seed <= 3; seed++) good.add(DemoModel.part(224, seed, GOOD));
        Recipe all = book.create("all", new RecipeSettings(null, null, null, RecipeSettings.Mode.FEW_SHOT), good, List.of(), false);
        Recipe bounded = book.create("bounded", new RecipeSettings(null, null, null, RecipeSettings.Mode.FEW_SHOT, 60), good, List.of(), false);
        assertEquals(60, book.find("bounded").orElseThrow().settings().maxPatches());
        RecipeBook.Prepared a = m.withEngine(e -> book.prepare(all, m)), b = m.withEngine(e -> book.prepare(bounded, m));
        assertEquals(3 * 14 * 14, a.bank().size());
        assertEquals(60, b.bank().size());
        for (int i = 0; i < 3; i++) {
            assertTrue(b.info().goodScores().get(i) >= a.info().goodScores().get(i) - 1e-6,
                    "image " + i + ": bounded " + b.info().goodScores() + " vs every patch " + a.info().goodScores());
        }
        assertTrue(b.info().threshold() > a.info().threshold(), b.info().threshold() + " vs " + a.info().threshold());
        RecipeException e = assertThrows(RecipeException.class, () -> RecipeSettings.parse("{\"max_patches\": 0}"));
        assertTrue(e.getMessage().contains("max_patches must be >= 1"), e.getMessage());
        assertEquals(500, RecipeSettings.parse("{\"max_patches\": 500}").maxPatches());
    }

    @Test
    void imagesThatDoNotFitTheSettingsAreRefusedBeforeAnythingIsStored() throws IOException {
        RecipeBook book = new RecipeBook(new RecipeStore(dir), new ImageDecoder(), 8, 1024);
        RecipeException e = assertThrows(RecipeException.class, () -> book.create("roi", new RecipeSettings(null, new Roi(100, 100, 200, 50),
                null, null), List.of(DemoModel.part(224, 1, GOOD)), List.of(), false));
        assertTrue(e.getMessage().contains("outside part-1.png (224x224)"), e.getMessage());
        assertThrows(RecipeException.class, () -> book.create("corrupt", RecipeSettings.defaults(),
                List.of(new RecipeStore.Upload("x.png", new byte[] {(byte) 0x89, 'P', 'N', 'G', 0, 0})), List.of(), false));
        assertEquals(List.of(), book.list());
    }

    /**
     * The tiling case: a rust spot 10 px across on a 2000 × 2000 part. Squeezed whole into 224 px it is about a
     * pixel and the recipe without tiles passes the part; cropped to a 1000 px region of interest on the disc and cut
     * into 2 × 2 tiles (526 px each, the spot 4 px) the tiled recipe flags it, and its stitched map (over the whole
     * original image, 1024 px) peaks at the spot. (The ROI keeps the test fast: 4 tiles instead of 16 for the same
     * scale.)
     */
    @Test
    void aSpotOfAFewPixelsOnA2000PxPartIsFoundOnlyWithTiles() throws IOException {
        LoadedModel m = DemoModel.get();
        RecipeBook book = new RecipeBook(new RecipeStore(dir), new ImageDecoder(), 16, 1024);
        List<RecipeStore.Upload> good = List.of(DemoModel.part(2000, 1, GOOD));
        List<RecipeStore.Upload> validation = List.of(DemoModel.part(2000, 2, GOOD));
        java.awt.image.BufferedImage img = SyntheticParts.generate(2000, 3, GOOD).image();
        java.awt.Graphics2D g = img.createGraphics();
        g.setColor(new java.awt.Color(200, 40, 20)); // a rust-coloured spot, the kind of defect the demo model sees
        g.fillOval(1100, 1000, 10, 10); // on the disc, right of its centre
        g.dispose();
        RecipeStore.Upload defect = new RecipeStore.Upload("spot.png", DemoModel.png(img));

        Recipe whole = book.create("whole", new RecipeSettings(null, null, null, RecipeSettings.Mode.FEW_SHOT), good, validation, false);
        Recipe tiled = book.create("tiled", new RecipeSettings(null, new Roi(600, 600, 1000, 1000), new Tiles(2, 2, 0.1),
                RecipeSettings.Mode.FEW_SHOT), good, validation, false);
        double wholeThreshold = m.withEngine(e -> book.prepare(whole, m)).info().threshold();
        double tiledThreshold = m.withEngine(e -> book.prepare(tiled, m)).info().threshold();

        InspectionPlan.Stitched w = inspect(book, whole, m, defect);
        InspectionPlan.Stitched t = inspect(book, tiled, m, defect);
        System.out.printf("2000 px spot: whole %.5f (threshold %.5f), tiled %.5f (threshold %.5f)%n", w.score(), wholeThreshold,
                t.score(), tiledThreshold);
        assertTrue(w.score() < wholeThreshold, "whole image: " + w.score() + " under its threshold " + wholeThreshold);
        assertTrue(t.score() >= tiledThreshold, "tiled: " + t.score() + " at or over its threshold " + tiledThreshold);
        assertEquals(1024, t.width());
        assertEquals(1024, t.height());
        int argmax = 0;
        for (int i = 1; i < t.map().length; i++) if (t.map()[i] > t.map()[argmax]) argmax = i;
        int x = argmax % 1024, y = argmax / 1024; // the spot's centre (1105, 1005) is (566, 515) at 1024 / 2000
        assertTrue(Math.abs(x - 566) < 40 && Math.abs(y - 515) < 40, "map peak at " + x + "," + y);
    }

    private static double score(RecipeBook book, Recipe r, LoadedModel m, RecipeStore.Upload image) {
        return inspect(book, r, m, image).score();
    }

    /** One image through the plan as the pipeline runs it: cut, prepare each tile, score on the engine, stitch. */
    private static InspectionPlan.Stitched inspect(RecipeBook book, Recipe r, LoadedModel m, RecipeStore.Upload image) {
        RecipePlan plan = book.plan(r);
        InspectionPlan.Cut cut = plan.cut(new ImageDecoder().decode(image.bytes(), image.source()), image.source());
        Preprocessing prep = new Preprocessing(m.imageSize());
        List<float[]> tensors = new ArrayList<>();
        List<Preprocessing.Input> inputs = new ArrayList<>();
        for (var tile : cut.tiles()) inputs.add(prep.prepare(tile));
        for (Preprocessing.Input in : inputs) tensors.add(in.tensor());
        InspectionPlan.Scoring s = m.withEngine(e -> plan.score(m, tensors, 16));
        List<EngineBatches.Scored> tiles = s.tiles();
        return cut.stitcher().stitch(tiles, inputs.get(0).resized(), m.imageSize());
    }
}
