package dev.anomalyedge.training.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MvtecLoaderTest {
    @TempDir
    Path root;

    /** bottle: 2 train/good, 1 test/good, 2 test/broken with masks; cable: 1 train/good, 1 test/cut (mask stem.png). */
    private void buildTwoClasses() {
        Trees.image(root.resolve("bottle/train/good/000.png"));
        Trees.image(root.resolve("bottle/train/good/001.png"));
        Trees.image(root.resolve("bottle/test/good/000.png"));
        Trees.image(root.resolve("bottle/test/broken/000.png"));
        Trees.image(root.resolve("bottle/test/broken/001.png"));
        Trees.mask(root.resolve("bottle/ground_truth/broken/000_mask.png"));
        Trees.mask(root.resolve("bottle/ground_truth/broken/001_mask.png"));
        Trees.image(root.resolve("cable/train/good/000.JPG"));
        Trees.image(root.resolve("cable/test/cut/007.PNG"));
        Trees.mask(root.resolve("cable/ground_truth/cut/007.png"));
        Trees.text(root.resolve("license.txt"), "not a class");
        Trees.text(root.resolve("bottle/train/good/.DS_Store"), "hidden");
    }

    @Test
    void loadsEveryLabelledImageWithItsMask() {
        buildTwoClasses();
        Dataset ds = DatasetLoader.load(root, Format.MVTEC);

        assertEquals(Format.MVTEC, ds.format());
        assertEquals(List.of("bottle", "cable"), ds.classNames());
        assertEquals(7, ds.samples().size());
        assertEquals(4, ds.goodCount());
        assertEquals(3, ds.anomalousCount());
        assertEquals(3, ds.maskedCount());
        List<Sample> bottle = ds.ofClass("bottle");
        assertEquals(5, bottle.size());
        // order: train before test, then folders ("broken" < "good") and files by name
        assertEquals(root.resolve("bottle/train/good/000.png"), bottle.get(0).image());
        assertEquals(Split.TRAIN, bottle.get(0).split());
        Sample broken1 = bottle.get(3);
        assertEquals(root.resolve("bottle/test/broken/001.png"), broken1.image());
        assertEquals(root.resolve("bottle/ground_truth/broken/001_mask.png"), broken1.mask());
        assertEquals(1, broken1.label());
        assertEquals("broken", broken1.defectType());
        assertEquals(Split.TEST, broken1.split());
        Sample good = bottle.get(4);
        assertEquals(root.resolve("bottle/test/good/000.png"), good.image());
        assertEquals(0, good.label());
        assertNull(good.mask());
        assertEquals("good", good.defectType());
        // upper-case extensions, mask named like the image (VisA's MVTec-style copy)
        Sample cut = ds.ofClass("cable").get(1);
        assertEquals(root.resolve("cable/ground_truth/cut/007.png"), cut.mask());
        assertTrue(ds.warnings().isEmpty(), ds.warnings().toString());
    }

    @Test
    void splitSelection() {
        buildTwoClasses();
        Dataset test = DatasetLoader.load(root, Format.MVTEC, LoadOptions.referenceTraining());
        assertEquals(4, test.samples().size());
        assertTrue(test.samples().stream().allMatch(s -> s.split() == Split.TEST));

        // train/ holds good images only: rejected unless pseudo-anomalies are allowed
        LoadOptions trainOnly = LoadOptions.defaults().withSplits(Split.TRAIN);
        DatasetException e = assertThrows(DatasetException.class, () -> DatasetLoader.load(root, Format.MVTEC, trainOnly));
        assertTrue(e.getMessage().contains("no anomalous images"), e.getMessage());
        assertTrue(e.getMessage().contains("pseudo-anomalies"), e.getMessage());
        Dataset train = DatasetLoader.load(root, Format.MVTEC, trainOnly.withPseudoAnomalies(true));
        assertEquals(3, train.samples().size());
        assertEquals(0, train.anomalousCount());
    }

    @Test
    void singleClassRootIsNamedAfterTheFolder() {
        Path cls = root.resolve("screw");
        Trees.image(cls.resolve("train/good/a.png"));
        Trees.image(cls.resolve("test/thread/b.bmp"));
        Trees.mask(cls.resolve("ground_truth/thread/b_mask.png"));
        Dataset ds = DatasetLoader.load(cls, Format.MVTEC);
        assertEquals(List.of("screw"), ds.classNames());
        assertEquals(cls.resolve("ground_truth/thread/b_mask.png"), ds.samples().get(1).mask());
    }

    @Test
    void missingMaskIsAWarningOrAnErrorWhenMasksAreRequired() {
        buildTwoClasses();
        Trees.image(root.resolve("bottle/test/broken/002.png")); // no 002_mask.png
        Trees.mask(root.resolve("bottle/ground_truth/broken/099_mask.png")); // matches no image

        Dataset ds = DatasetLoader.load(root, Format.MVTEC);
        Sample noMask = ds.ofClass("bottle").get(4);
        assertEquals(root.resolve("bottle/test/broken/002.png"), noMask.image());
        assertTrue(noMask.anomalous());
        assertFalse(noMask.hasMask());
        assertTrue(ds.warnings().stream().anyMatch(w -> w.contains("1 anomalous image(s) in "
                + root.resolve("bottle/test/broken")) && w.contains("002.png")), ds.warnings().toString());
        assertTrue(ds.warnings().stream().anyMatch(w -> w.contains("099_mask.png") && w.contains("match no image")),
                ds.warnings().toString());

        DatasetException e = assertThrows(DatasetException.class,
                () -> DatasetLoader.load(root, Format.MVTEC, LoadOptions.defaults().withRequireMasks(true)));
        assertEquals(1, e.problems().size());
        assertTrue(e.getMessage().contains("no mask for anomalous image " + root.resolve("bottle/test/broken/002.png")),
                e.getMessage());
        assertTrue(e.getMessage().contains("_mask.png"), "names the expected mask rule: " + e.getMessage());
    }

    @Test
    void unreadableImagesAndMaskSizeMismatchAreReported() {
        buildTwoClasses();
        Trees.text(root.resolve("bottle/test/good/001.png"), "this is not a png");
        Trees.text(root.resolve("bottle/test/broken/002.png"), "");
        Trees.image(root.resolve("bottle/test/broken/003.png"), 16, 8);
        Trees.mask(root.resolve("bottle/ground_truth/broken/003_mask.png"));
        Trees.mask(root.resolve("bottle/ground_truth/broken/002_mask.png"));

        DatasetException e = assertThrows(DatasetException.class, () -> DatasetLoader.load(root, Format.MVTEC));
        assertEquals(2, e.problems().size(), e.getMessage());
        assertTrue(e.getMessage().contains("unreadable image file " + root.resolve("bottle/test/good/001.png")),
                e.getMessage());
        assertTrue(e.getMessage().contains("unreadable image file " + root.resolve("bottle/test/broken/002.png")),
                e.getMessage());

        // without the header check the files pass; the size mismatch needs the headers, so it shows up above only
        Dataset ds = DatasetLoader.load(root, Format.MVTEC, LoadOptions.defaults().withVerifyImages(false));
        assertEquals(10, ds.samples().size());
        Trees.image(root.resolve("bottle/test/good/001.png"));
        Trees.image(root.resolve("bottle/test/broken/002.png"));
        Dataset checked = DatasetLoader.load(root, Format.MVTEC);
        assertTrue(checked.warnings().stream().anyMatch(w -> w.contains("003_mask.png is 8x8 but its image")
                && w.contains("is 16x8")), checked.warnings().toString());
    }

    @Test
    void notAnMvtecTree() {
        Trees.image(root.resolve("good/a.png"));
        DatasetException e = assertThrows(DatasetException.class, () -> DatasetLoader.load(root, Format.MVTEC));
        assertTrue(e.getMessage().contains("no MVTec class folder"), e.getMessage());
        DatasetException missing = assertThrows(DatasetException.class,
                () -> DatasetLoader.load(root.resolve("nope"), Format.MVTEC));
        assertTrue(missing.getMessage().contains(root.resolve("nope").toString()), missing.getMessage());
    }
}
