package dev.anomalyedge.training.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SyntheticDatasetTest {
    @TempDir
    Path tmp;

    @Test
    void roundTripThroughTheMvtecLoader() throws IOException {
        Path root = SyntheticDataset.generate(tmp.resolve("a"), 7, 3, 2, 7, 64);
        Dataset ds = DatasetLoader.load(root, Format.AUTO, LoadOptions.defaults().withRequireMasks(true));

        assertEquals(Format.MVTEC, ds.format());
        assertEquals(List.of(SyntheticDataset.CLASS_NAME), ds.classNames());
        assertEquals(12, ds.samples().size());
        assertEquals(3, ds.samples().stream().filter(s -> s.split() == Split.TRAIN).count());
        assertEquals(5, ds.goodCount());
        assertEquals(7, ds.maskedCount());
        assertTrue(ds.warnings().isEmpty(), ds.warnings().toString());
        // 7 anomalies cycle through the 6 defect types: scratch gets two
        assertEquals(2, ds.samples().stream().filter(s -> s.defectType().equals("scratch")).count());
        for (String type : SyntheticDataset.DEFECT_TYPES) {
            assertTrue(ds.samples().stream().anyMatch(s -> s.defectType().equals(type)), type);
        }
        for (Sample s : ds.samples()) {
            BufferedImage img = ImageIO.read(s.image().toFile());
            assertEquals(64, img.getWidth());
            if (s.anomalous()) {
                BufferedImage mask = ImageIO.read(s.mask().toFile());
                int on = 0;
                for (int y = 0; y < 64; y++) {
                    for (int x = 0; x < 64; x++) {
                        int v = mask.getRaster().getSample(x, y, 0);
                        assertTrue(v == 0 || v == 255, "binary mask " + s.mask());
                        on += v > 0 ? 1 : 0;
                    }
                }
                assertTrue(on > 0, "non-empty mask " + s.mask());
            }
        }
        assertEquals(root.resolve("demo_part/ground_truth/scratch/001_mask.png"),
                ds.samples().stream().filter(s -> s.defectType().equals("scratch")).toList().get(1).mask());
    }

    @Test
    void deterministicAndSeeded() throws IOException {
        Path a = SyntheticDataset.generate(tmp.resolve("a"), 7, 1, 1, 6, 48);
        Path b = SyntheticDataset.generate(tmp.resolve("b"), 7, 1, 1, 6, 48);
        Path c = SyntheticDataset.generate(tmp.resolve("c"), 8, 1, 1, 6, 48);
        List<Path> files = relativeFiles(a);
        assertEquals(1 + 1 + 6 + 6, files.size());
        assertEquals(files, relativeFiles(b));
        int differ = 0;
        for (Path f : files) {
            assertArrayEquals(Files.readAllBytes(a.resolve(f)), Files.readAllBytes(b.resolve(f)), f.toString());
            differ += java.util.Arrays.equals(Files.readAllBytes(a.resolve(f)), Files.readAllBytes(c.resolve(f))) ? 0 : 1;
        }
        assertEquals(files.size(), differ, "another seed changes every file");

        // more images leave the existing ones as they were
        Path more = SyntheticDataset.generate(tmp.resolve("more"), 7, 2, 1, 6, 48);
        assertArrayEquals(Files.readAllBytes(a.resolve("demo_part/train/good/000.png")),
                Files.readAllBytes(more.resolve("demo_part/train/good/000.png")));
    }

    @Test
    void textureKindWritesItsOwnClassDeterministically() throws IOException {
        Path a = SyntheticDataset.generate(tmp.resolve("a"), SyntheticDataset.Kind.TEXTURE, 7, 2, 1, 5, 64);
        Path b = SyntheticDataset.generate(tmp.resolve("b"), SyntheticDataset.Kind.TEXTURE, 7, 2, 1, 5, 64);
        Dataset ds = DatasetLoader.load(a, Format.AUTO, LoadOptions.defaults().withRequireMasks(true));
        assertEquals(List.of("demo_texture"), ds.classNames());
        assertEquals(List.of("scratch", "spot", "pseudo_cutpaste", "pseudo_draem"), SyntheticDataset.Kind.TEXTURE.defectTypes());
        for (String type : SyntheticDataset.Kind.TEXTURE.defectTypes()) {
            assertTrue(ds.samples().stream().anyMatch(s -> s.defectType().equals(type)), type);
        }
        for (Sample s : ds.samples()) {
            if (!s.anomalous()) continue;
            BufferedImage img = ImageIO.read(s.image().toFile()), mask = ImageIO.read(s.mask().toFile());
            // the mask marks pixels that differ from the good texture of the same seed: compare inside and outside it
            int on = 0;
            for (int y = 0; y < 64; y++) for (int x = 0; x < 64; x++) on += mask.getRaster().getSample(x, y, 0) > 0 ? 1 : 0;
            assertTrue(on > 0 && on < 64 * 64 / 2, "a small non-empty defect in " + s.mask() + ": " + on + " pixels");
            assertEquals(64, img.getWidth());
        }
        List<Path> files = relativeFiles(a);
        assertEquals(2 + 1 + 5 + 5, files.size());
        assertEquals(files, relativeFiles(b));
        for (Path f : files) assertArrayEquals(Files.readAllBytes(a.resolve(f)), Files.readAllBytes(b.resolve(f)), f.toString());
    }

    @Test
    void goodTexturesAreStationaryAndDifferInPhase() {
        BufferedImage one = SyntheticTextures.generate(128, 1, SyntheticTextures.Defect.NONE).image();
        BufferedImage two = SyntheticTextures.generate(128, 2, SyntheticTextures.Defect.NONE).image();
        // the same statistics in every quadrant (stationary), unlike a part in the middle of a background
        double[] quadrants = new double[4];
        for (int y = 0; y < 128; y++) for (int x = 0; x < 128; x++) quadrants[(y / 64) * 2 + x / 64] += (one.getRGB(x, y) >> 8 & 255) / (64.0 * 64);
        for (double q : quadrants) assertEquals(quadrants[0], q, 6, java.util.Arrays.toString(quadrants));
        int same = 0;
        for (int y = 0; y < 128; y++) for (int x = 0; x < 128; x++) same += one.getRGB(x, y) == two.getRGB(x, y) ? 1 : 0;
        assertTrue(same < 128 * 128 / 10, "another seed shifts the weave: " + same + " equal pixels");
    }

    @Test
    void refusesANonEmptyTargetAndBadArguments() {
        SyntheticDataset.generate(tmp, 1, 1, 0, 1, 32);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> SyntheticDataset.generate(tmp, 1, 1, 0, 1, 32));
        assertTrue(e.getMessage().contains(tmp.resolve("demo_part").toString()), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SyntheticDataset.generate(tmp.resolve("x"), 1, 0, 0, 0, 64));
        assertThrows(IllegalArgumentException.class, () -> SyntheticDataset.generate(tmp.resolve("x"), 1, 1, -1, 1, 64));
        assertThrows(IllegalArgumentException.class, () -> SyntheticDataset.generate(tmp.resolve("x"), 1, 1, 1, 1, 16));
        assertFalse(Files.exists(tmp.resolve("x")));
    }

    private static List<Path> relativeFiles(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(Files::isRegularFile).map(root::relativize).sorted().toList();
        }
    }
}
