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

class VisaLoaderTest {
    @TempDir
    Path root;

    /** The published header and row shapes of amazon-science/spot-diff split_csv/1cls.csv. */
    private void buildTree(String csv) {
        Trees.image(root.resolve("candle/Data/Images/Normal/0000.JPG"));
        Trees.image(root.resolve("candle/Data/Images/Normal/0001.JPG"));
        Trees.image(root.resolve("candle/Data/Images/Anomaly/000.JPG"));
        Trees.mask(root.resolve("candle/Data/Masks/Anomaly/000.png"));
        Trees.image(root.resolve("pcb1/Data/Images/Normal/0000.JPG"));
        Trees.image(root.resolve("pcb1/Data/Images/Anomaly/001.JPG"));
        Trees.mask(root.resolve("pcb1/Data/Masks/Anomaly/001.png"));
        Trees.text(root.resolve("split_csv/1cls.csv"), csv);
    }

    private static final String CSV = """
            object,split,label,image,mask
            pcb1,train,normal,pcb1/Data/Images/Normal/0000.JPG,
            pcb1,test,anomaly,pcb1/Data/Images/Anomaly/001.JPG,pcb1/Data/Masks/Anomaly/001.png
            candle,train,normal,candle/Data/Images/Normal/0000.JPG,
            candle,test,normal,candle/Data/Images/Normal/0001.JPG,
            candle,test,anomaly,candle/Data/Images/Anomaly/000.JPG,candle/Data/Masks/Anomaly/000.png
            """;

    @Test
    void readsRowsInFileOrder() {
        buildTree(CSV);
        Dataset ds = DatasetLoader.load(root, Format.VISA);
        assertEquals(List.of("pcb1", "candle"), ds.classNames());
        assertEquals(5, ds.samples().size());
        assertEquals(3, ds.goodCount());
        assertEquals(2, ds.maskedCount());
        Sample a = ds.ofClass("candle").get(2);
        assertEquals(root.resolve("candle/Data/Images/Anomaly/000.JPG"), a.image());
        assertEquals(root.resolve("candle/Data/Masks/Anomaly/000.png"), a.mask());
        assertEquals(1, a.label());
        assertEquals("anomaly", a.defectType());
        assertEquals(Split.TEST, a.split());
        Sample n = ds.ofClass("pcb1").get(0);
        assertEquals(0, n.label());
        assertEquals(Split.TRAIN, n.split());
        assertNull(n.mask());

        assertEquals(3, DatasetLoader.load(root, Format.VISA, LoadOptions.referenceTraining()).samples().size());
    }

    @Test
    void toleratesBomCrlfQuotesColumnOrderAndExtraColumns() {
        buildTree("\uFEFFlabel,Object,mask,split,image,defect\r\n"
                + "normal,candle,,train,\"candle/Data/Images/Normal/0000.JPG\",\r\n"
                + "anomaly,candle,candle/Data/Masks/Anomaly/000.png,test,candle/Data/Images/Anomaly/000.JPG,\"wax, melted\"\r\n"
                + "\r\n"
                + "anomaly,candle,,test,candle/Data/Images/Normal/0001.JPG,\r\n");
        Dataset ds = DatasetLoader.load(root, Format.VISA);
        assertEquals(3, ds.samples().size());
        assertEquals(root.resolve("candle/Data/Masks/Anomaly/000.png"), ds.samples().get(1).mask());
        assertFalse(ds.samples().get(2).hasMask(), "anomaly row with an empty mask cell is mask-less");
        assertTrue(ds.warnings().stream().anyMatch(w -> w.contains("have no mask")), ds.warnings().toString());
    }

    @Test
    void badRowsAndMissingFilesAreAllListedWithLineNumbersAndPaths() {
        buildTree(CSV + """
                candle,test,anomaly
                candle,validation,normal,candle/Data/Images/Normal/0000.JPG,
                candle,test,broken,candle/Data/Images/Normal/0000.JPG,
                candle,test,anomaly,candle/Data/Images/Anomaly/404.JPG,candle/Data/Masks/Anomaly/404.png
                """);
        Path csv = root.resolve("split_csv/1cls.csv");
        DatasetException e = assertThrows(DatasetException.class, () -> DatasetLoader.load(root, Format.VISA));
        String m = e.getMessage();
        assertTrue(m.contains(csv + " line 7: expected 5 columns, found 3"), m);
        assertTrue(m.contains(csv + " line 8: split 'validation' is neither train nor test"), m);
        assertTrue(m.contains(csv + " line 9: label 'broken' is neither normal nor anomaly"), m);
        assertEquals(3, e.problems().size(), "row errors stop before the file checks: " + m);

        buildTree(CSV + "candle,test,anomaly,candle/Data/Images/Anomaly/404.JPG,candle/Data/Masks/Anomaly/404.png\n");
        DatasetException files = assertThrows(DatasetException.class, () -> DatasetLoader.load(root, Format.VISA));
        assertEquals(List.of("missing image file " + root.resolve("candle/Data/Images/Anomaly/404.JPG"),
                "missing mask file " + root.resolve("candle/Data/Masks/Anomaly/404.png")), files.problems());
    }

    @Test
    void headerWithoutARequiredColumn() {
        buildTree("object,split,label,image\ncandle,test,normal,candle/Data/Images/Normal/0001.JPG\n");
        DatasetException e = assertThrows(DatasetException.class, () -> DatasetLoader.load(root, Format.VISA));
        assertTrue(e.getMessage().contains("header has no column 'mask'"), e.getMessage());
        assertTrue(e.getMessage().contains("found object,split,label,image"), e.getMessage());
    }

    @Test
    void missingCsv() {
        Trees.image(root.resolve("candle/Data/Images/Normal/0000.JPG"));
        DatasetException e = assertThrows(DatasetException.class, () -> DatasetLoader.load(root, Format.VISA));
        assertTrue(e.getMessage().contains(root.resolve("split_csv/1cls.csv").toString()), e.getMessage());
    }
}
