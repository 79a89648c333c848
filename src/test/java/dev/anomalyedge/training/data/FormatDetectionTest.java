package dev.anomalyedge.training.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FormatDetectionTest {
    @TempDir
    Path tmp;

    @Test
    void detectsEachLayout() {
        Path mvtec = tmp.resolve("mvtec");
        Trees.image(mvtec.resolve("bottle/test/good/0.png"));
        assertEquals(Format.MVTEC, DatasetLoader.detect(mvtec));
        assertEquals(Format.MVTEC, DatasetLoader.detect(mvtec.resolve("bottle")), "a single MVTec class");

        Path visa = tmp.resolve("visa");
        Trees.text(visa.resolve("split_csv/1cls.csv"), "object,split,label,image,mask\n");
        Trees.image(visa.resolve("candle/Data/Images/Normal/0.JPG"));
        assertEquals(Format.VISA, DatasetLoader.detect(visa));
        Trees.text(visa.resolve("meta.json"), "{}");
        assertEquals(Format.META, DatasetLoader.detect(visa), "meta.json wins: the root was prepared for AnomalyCLIP");

        Path folder = tmp.resolve("folder");
        Trees.image(folder.resolve("good/0.png"));
        assertEquals(Format.FOLDER, DatasetLoader.detect(folder));
        Path classes = tmp.resolve("classes");
        Trees.image(classes.resolve("nut/good/0.png"));
        assertEquals(Format.FOLDER, DatasetLoader.detect(classes));
    }

    @Test
    void autoLoadsWithTheDetectedFormat() {
        Trees.image(tmp.resolve("bottle/test/good/0.png"));
        Trees.image(tmp.resolve("bottle/test/cut/0.png"));
        Trees.mask(tmp.resolve("bottle/ground_truth/cut/0_mask.png"));
        Dataset ds = DatasetLoader.load(tmp, Format.AUTO);
        assertEquals(Format.MVTEC, ds.format());
        assertEquals(2, ds.samples().size());
    }

    @Test
    void unknownLayout() {
        Trees.image(tmp.resolve("pictures/0.png"));
        DatasetException e = assertThrows(DatasetException.class, () -> DatasetLoader.load(tmp, Format.AUTO));
        assertTrue(e.getMessage().contains("cannot tell the format of " + tmp), e.getMessage());
        assertTrue(e.getMessage().contains("meta.json") && e.getMessage().contains("1cls.csv"), e.getMessage());
    }
}
