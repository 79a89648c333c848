package dev.anomalyedge.training.data;

import dev.anomalyedge.synthetic.SyntheticParts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PseudoAnomalyWriterTest {
    @TempDir
    Path tmp;

    private Dataset goodOnly() throws Exception {
        for (String cls : List.of("nut", "washer")) {
            for (int i = 0; i < 2; i++) {
                Path f = tmp.resolve("in").resolve(cls).resolve("good").resolve(i + ".png");
                Files.createDirectories(f.getParent());
                ImageIO.write(SyntheticParts.generate(48, i + cls.length(), SyntheticParts.Defect.NONE).image(), "png",
                        f.toFile());
            }
        }
        return DatasetLoader.load(tmp.resolve("in"), Format.AUTO, LoadOptions.defaults().withPseudoAnomalies(true));
    }

    @Test
    void goodOnlyDataSetBecomesTrainableAndReloadsAsMvtec() throws Exception {
        Dataset good = goodOnly();
        Dataset ds = PseudoAnomalyWriter.addPseudoAnomalies(good, tmp.resolve("pseudo"), 3, 3, List.of());
        assertEquals(4, ds.goodCount());
        assertEquals(6, ds.anomalousCount());
        assertEquals(6, ds.maskedCount());
        assertEquals(5, ds.ofClass("nut").size());
        Sample first = ds.ofClass("nut").get(2);
        assertTrue(first.defectType().startsWith("pseudo_"), first.defectType());
        assertTrue(first.image().getFileName().toString().startsWith("0000_0"), first.image().toString());

        Dataset reloaded = DatasetLoader.load(tmp.resolve("pseudo"), Format.AUTO,
                LoadOptions.defaults().withRequireMasks(true).withPseudoAnomalies(true));
        assertEquals(Format.MVTEC, reloaded.format());
        assertEquals(ds.ofClass("nut").subList(2, 5), reloaded.ofClass("nut"));
        assertEquals(List.of("nut", "nut", "nut", "nut", "nut", "washer"),
                ds.samples().subList(0, 6).stream().map(Sample::className).toList(), "grouped by class");

        Dataset again = PseudoAnomalyWriter.addPseudoAnomalies(good, tmp.resolve("pseudo2"), 3, 3, List.of());
        for (int i = 0; i < ds.samples().size(); i++) {
            Sample a = ds.samples().get(i);
            Sample b = again.samples().get(i);
            if (a.anomalous()) {
                assertArrayEquals(Files.readAllBytes(a.image()), Files.readAllBytes(b.image()));
                assertArrayEquals(Files.readAllBytes(a.mask()), Files.readAllBytes(b.mask()));
            }
        }
        assertThrows(IllegalStateException.class,
                () -> PseudoAnomalyWriter.addPseudoAnomalies(good, tmp.resolve("pseudo"), 3, 3, List.of()));
    }

    @Test
    void unreadableGoodImagesAreListed() throws Exception {
        Dataset good = goodOnly();
        Path broken = good.ofClass("washer").get(1).image();
        Files.writeString(broken, "no longer a png");
        DatasetException e = assertThrows(DatasetException.class,
                () -> PseudoAnomalyWriter.addPseudoAnomalies(good, tmp.resolve("pseudo"), 1, 2, List.of()));
        assertEquals(List.of("unreadable image " + broken + ": not a PNG, JPEG or BMP image"), e.problems());
    }

    @Test
    void texturesFromAFolder() throws Exception {
        ImageIO.write(SyntheticParts.generate(40, 1, SyntheticParts.Defect.SPOT).image(), "png",
                tmp.resolve("t1.png").toFile());
        Files.writeString(tmp.resolve("t2.jpg"), "broken");
        DatasetException e = assertThrows(DatasetException.class, () -> PseudoAnomalies.readTextures(tmp));
        assertTrue(e.getMessage().contains(tmp.resolve("t2.jpg").toString()), e.getMessage());
        Files.delete(tmp.resolve("t2.jpg"));
        assertEquals(1, PseudoAnomalies.readTextures(tmp).size());
    }
}
