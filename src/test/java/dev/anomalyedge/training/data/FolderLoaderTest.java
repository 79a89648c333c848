package dev.anomalyedge.training.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FolderLoaderTest {
    @TempDir
    Path tmp;

    @Test
    void singleClassWithTheThreeMaskPlaces() {
        Path root = tmp.resolve("bracket");
        Trees.image(root.resolve("good/g1.png"));
        Trees.image(root.resolve("good/g2.jpeg"));
        Trees.image(root.resolve("dent/a.png"));
        Trees.mask(root.resolve("dent/a_mask.png"));            // beside the image
        Trees.image(root.resolve("dent/b.jpg"));
        Trees.mask(root.resolve("masks/dent/b_mask.png"));      // masks/<defect>/<stem>_mask
        Trees.image(root.resolve("rust/c.BMP"));
        Trees.mask(root.resolve("masks/rust/c.png"));           // masks/<defect>/<stem>
        Trees.image(root.resolve("rust/d.png"));                // no mask
        Trees.text(root.resolve("notes.txt"), "ignored");

        Dataset ds = DatasetLoader.load(root, Format.FOLDER);
        assertEquals(List.of("bracket"), ds.classNames());
        assertEquals(6, ds.samples().size());
        assertEquals(2, ds.goodCount());
        assertTrue(ds.samples().stream().allMatch(s -> s.split() == Split.TEST));
        List<Sample> s = ds.samples();
        assertEquals(root.resolve("dent/a.png"), s.get(2).image());
        assertEquals(root.resolve("dent/a_mask.png"), s.get(2).mask());
        assertEquals("dent", s.get(2).defectType());
        assertEquals(root.resolve("masks/dent/b_mask.png"), s.get(3).mask());
        assertEquals(root.resolve("masks/rust/c.png"), s.get(4).mask());
        assertEquals(root.resolve("rust/d.png"), s.get(5).image());
        assertNull(s.get(5).mask());
        assertTrue(ds.warnings().stream().anyMatch(w -> w.contains("notes.txt")), ds.warnings().toString());
        assertTrue(ds.warnings().stream().anyMatch(w -> w.contains("have no mask") && w.contains("d.png")),
                ds.warnings().toString());

        // FOLDER samples are TEST: a TRAIN-only selection finds nothing
        DatasetException e = assertThrows(DatasetException.class,
                () -> DatasetLoader.load(root, Format.FOLDER, LoadOptions.defaults().withSplits(Split.TRAIN)));
        assertTrue(e.getMessage().contains("no images found"), e.getMessage());
    }

    @Test
    void classSubfolders() {
        Trees.image(tmp.resolve("washer/good/1.png"));
        Trees.image(tmp.resolve("washer/crack/2.png"));
        Trees.image(tmp.resolve("nut/good/1.png"));
        Trees.image(tmp.resolve("nut/good/2.png"));
        Trees.image(tmp.resolve("misc/3.png")); // no good/: not a class
        Dataset ds = DatasetLoader.load(tmp, Format.FOLDER);
        assertEquals(List.of("nut", "washer"), ds.classNames());
        assertEquals(2, ds.ofClass("nut").size());
        assertEquals(1, ds.anomalousCount());
        assertTrue(ds.warnings().stream().anyMatch(w -> w.contains("class nut has no anomalous images")),
                ds.warnings().toString());
        assertTrue(ds.warnings().stream().anyMatch(w -> w.contains("ignored folder " + tmp.resolve("misc"))),
                ds.warnings().toString());
    }

    @Test
    void goodOnlyIsRejectedUnlessPseudoAnomaliesAreEnabled() {
        Path root = tmp.resolve("part");
        Trees.image(root.resolve("good/1.png"));
        Trees.image(root.resolve("good/2.png"));
        DatasetException e = assertThrows(DatasetException.class, () -> DatasetLoader.load(root, Format.AUTO));
        assertTrue(e.getMessage().contains("no anomalous images in " + root), e.getMessage());
        assertTrue(e.getMessage().contains("2 good images"), e.getMessage());
        assertTrue(e.getMessage().contains("enable pseudo-anomalies"), e.getMessage());

        Dataset ds = DatasetLoader.load(root, Format.AUTO, LoadOptions.defaults().withPseudoAnomalies(true));
        assertEquals(Format.FOLDER, ds.format());
        assertEquals(2, ds.goodCount());
        assertEquals(0, ds.anomalousCount());
    }

    @Test
    void problemsAreCappedInTheMessageButAllKept() {
        Path root = tmp.resolve("part");
        Trees.image(root.resolve("good/1.png"));
        for (int i = 0; i < 25; i++) {
            Trees.text(root.resolve(String.format("scratch/%02d.png", i)), "broken");
        }
        DatasetException e = assertThrows(DatasetException.class, () -> DatasetLoader.load(root, Format.FOLDER));
        assertEquals(25, e.problems().size());
        assertTrue(e.getMessage().contains("(25 problems)"), e.getMessage());
        assertTrue(e.getMessage().contains(root.resolve("scratch/19.png").toString()), e.getMessage());
        assertTrue(!e.getMessage().contains(root.resolve("scratch/20.png").toString()), e.getMessage());
        assertTrue(e.getMessage().endsWith("... and 5 more"), e.getMessage());
    }
}
