package dev.anomalyedge.training.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MetaLoaderTest {
    @TempDir
    Path root;

    /** Shaped like generate_dataset_json/mvtec.py output (and visa.py: empty specie_name, mask '' for normal). */
    private void buildTree() throws Exception {
        Trees.image(root.resolve("bottle/train/good/000.png"));
        Trees.image(root.resolve("bottle/test/good/000.png"));
        Trees.image(root.resolve("bottle/test/broken_large/000.png"));
        Trees.mask(root.resolve("bottle/ground_truth/broken_large/000_mask.png"));
        Trees.image(root.resolve("candle/test/x.JPG"));
        Files.createDirectories(root.resolve("candle/masks")); // a folder as mask_path: classification only
        Trees.text(root.resolve("meta.json"), """
                {"train": {"bottle": [
                   {"img_path": "bottle/train/good/000.png", "mask_path": "", "cls_name": "bottle",
                    "specie_name": "good", "anomaly": 0}]},
                 "test": {
                  "bottle": [
                   {"img_path": "bottle/test/good/000.png", "mask_path": "", "cls_name": "bottle",
                    "specie_name": "good", "anomaly": 0},
                   {"img_path": "bottle/test/broken_large/000.png",
                    "mask_path": "bottle/ground_truth/broken_large/000_mask.png", "cls_name": "bottle",
                    "specie_name": "broken_large", "anomaly": 1}],
                  "candle": [
                   {"img_path": "candle/test/x.JPG", "mask_path": "candle/masks", "cls_name": "candle",
                    "specie_name": "", "anomaly": 1}]}}
                """);
    }

    @Test
    void readsBothSectionsAndTheReferenceTestOnly() throws Exception {
        buildTree();
        Dataset all = DatasetLoader.load(root, Format.META);
        assertEquals(4, all.samples().size());
        assertEquals(List.of("bottle", "candle"), all.classNames());
        assertEquals(Split.TRAIN, all.samples().get(0).split());

        Dataset ref = DatasetLoader.load(root, Format.META, LoadOptions.referenceTraining());
        assertEquals(3, ref.samples().size());
        Sample broken = ref.samples().get(1);
        assertEquals(root.resolve("bottle/test/broken_large/000.png"), broken.image());
        assertEquals(root.resolve("bottle/ground_truth/broken_large/000_mask.png"), broken.mask());
        assertEquals("broken_large", broken.defectType());
        Sample candle = ref.samples().get(2);
        assertTrue(candle.anomalous());
        assertFalse(candle.hasMask(), "a folder as mask_path means no mask (dataset.py)");
        assertEquals("anomaly", candle.defectType(), "empty specie_name");
    }

    @Test
    void badEntriesAreListedWithTheirPlace() throws Exception {
        buildTree();
        Trees.text(root.resolve("meta.json"), """
                {"test": {"bottle": [
                   {"mask_path": "", "cls_name": "bottle", "specie_name": "good", "anomaly": 0},
                   {"img_path": "bottle/test/good/000.png", "anomaly": 2},
                   {"img_path": "bottle/test/good/404.png", "anomaly": 0},
                   {"img_path": "bottle/test/broken_large/000.png", "mask_path": "bottle/gt/404_mask.png",
                    "anomaly": 1}]}}
                """);
        Path meta = root.resolve("meta.json");
        DatasetException e = assertThrows(DatasetException.class, () -> DatasetLoader.load(root, Format.META));
        assertEquals(List.of(meta + " test/bottle[0]: missing or empty \"img_path\"",
                meta + " test/bottle[1]: \"anomaly\" must be 0 or 1, found 2"), e.problems());

        Trees.text(meta, """
                {"test": {"bottle": [
                   {"img_path": "bottle/test/good/404.png", "anomaly": 0},
                   {"img_path": "bottle/test/broken_large/000.png", "mask_path": "bottle/gt/404_mask.png",
                    "anomaly": true}]}}
                """);
        DatasetException files = assertThrows(DatasetException.class, () -> DatasetLoader.load(root, Format.META));
        assertEquals(List.of("missing image file " + root.resolve("bottle/test/good/404.png"),
                "missing mask file " + root.resolve("bottle/gt/404_mask.png")), files.problems());
    }

    @Test
    void malformedJson() throws Exception {
        buildTree();
        Trees.text(root.resolve("meta.json"), "{\"test\": {\"bottle\": [\n{\"img_path\": }]}}");
        DatasetException e = assertThrows(DatasetException.class, () -> DatasetLoader.load(root, Format.META));
        assertTrue(e.getMessage().contains(root.resolve("meta.json") + ": not valid JSON"), e.getMessage());
        assertTrue(e.getMessage().contains("line 2"), e.getMessage());

        Trees.text(root.resolve("meta.json"), "[1, 2]");
        DatasetException shape = assertThrows(DatasetException.class, () -> DatasetLoader.load(root, Format.META));
        assertTrue(shape.getMessage().contains("\"train\" and/or \"test\""), shape.getMessage());
    }
}
