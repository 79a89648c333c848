package dev.anomalyedge.inspection;

import dev.anomalyedge.image.ImageDecodeException;
import dev.anomalyedge.image.ImageDecoder;
import dev.anomalyedge.image.ImageTooLargeException;
import dev.anomalyedge.image.PillowImage;
import dev.anomalyedge.image.PixelMode;
import dev.anomalyedge.image.Preprocessor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The one way from image bytes or a file to the model's input. */
class PreprocessingTest {
    static final int S = 8;

    /** A PNG whose pixels vary (so that resizing and subsampling change values). */
    static byte[] png(int width, int height, int seed) throws IOException {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) img.setRGB(x, y, ((x * 7 + seed) % 256) << 16 | ((y * 5) % 256) << 8 | (x * y + seed) % 256);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }

    @Test
    void bytesBecomeThePillowExactPictureAndItsNormalisedTensor() throws IOException {
        byte[] png = png(30, 20, 1);
        Preprocessing.Input in = new Preprocessing(S).prepare(png, "a.png");
        Preprocessor pre = new Preprocessor(S);
        PillowImage decoded = new ImageDecoder().decode(png, "a.png");
        assertEquals(pre.resizeRgb(decoded), in.resized());
        assertEquals(PixelMode.RGB, in.resized().mode());
        assertArrayEquals(pre.image(decoded), in.tensor());
        assertEquals(3 * S * S, in.tensor().length);
    }

    @Test
    void aFileGivesWhatItsBytesGive(@TempDir Path dir) throws IOException {
        byte[] png = png(30, 20, 2);
        Path file = Files.write(dir.resolve("b.png"), png);
        Preprocessing p = new Preprocessing(S);
        assertArrayEquals(p.prepare(png, "b.png").tensor(), p.prepare(file).tensor());
        ImageDecodeException e = assertThrows(ImageDecodeException.class, () -> p.prepare(dir.resolve("missing.png")));
        assertTrue(e.getMessage().contains("missing.png"), e.getMessage());
    }

    @Test
    void aLargeImageIsSubsampledWhileDecodingOnlyWhenAsked() throws IOException {
        byte[] big = png(100, 100, 3); // >= 2·4·8 px a side: subsampled by 100 / 32 = 3 with scale 4
        ImageDecoder decoder = new ImageDecoder();
        Preprocessing.Input exact = new Preprocessing(S, decoder, 0).prepare(big, "big.png");
        Preprocessing.Input subsampled = new Preprocessing(S, decoder, 4).prepare(big, "big.png");
        Preprocessor pre = new Preprocessor(S);
        assertArrayEquals(pre.image(decoder.decode(big, "big.png")), exact.tensor(), "scale 0 is the reference's path");
        assertArrayEquals(pre.image(decoder.decode(big, "big.png", 32, 32)), subsampled.tensor());
        assertNotEquals(exact.resized(), subsampled.resized());

        byte[] small = png(60, 60, 4); // below twice 32 px: decoded exactly even with subsampling on
        assertArrayEquals(new Preprocessing(S).prepare(small, "s.png").tensor(), new Preprocessing(S, decoder, 4).prepare(small, "s.png").tensor());
    }

    @Test
    void theDecodersLimitsAndErrorsApply() throws IOException {
        Preprocessing limited = new Preprocessing(S, new ImageDecoder(100), 0);
        assertThrows(ImageTooLargeException.class, () -> limited.prepare(png(20, 20, 5), "big.png"));
        ImageDecodeException e = assertThrows(ImageDecodeException.class, () -> limited.prepare("GIF89a".getBytes(), "x.gif"));
        assertTrue(e.getMessage().startsWith("x.gif"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Preprocessing(S, new ImageDecoder(), -1));
    }
}
