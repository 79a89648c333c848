package dev.anomalyedge.training.data;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Builds small data-set trees for the loader tests: tiny real PNG/JPEG/BMP files written with ImageIO. */
final class Trees {
    private Trees() {}

    /** An 8×8 RGB image in the format its extension names (png, jpg/jpeg, bmp; any case). */
    static Path image(Path file) {
        return image(file, 8, 8);
    }

    static Path image(Path file, int w, int h) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, (x * 30) << 16 | (y * 30) << 8 | 100);
            }
        }
        String ext = ImageFiles.extension(file);
        write(img, ext.equals("jpg") ? "jpeg" : ext, file);
        return file;
    }

    /** An 8×8 grey mask with a 2×2 block of 255. */
    static Path mask(Path file) {
        BufferedImage m = new BufferedImage(8, 8, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 2; y < 4; y++) {
            for (int x = 2; x < 4; x++) {
                m.getRaster().setSample(x, y, 0, 255);
            }
        }
        write(m, "png", file);
        return file;
    }

    static Path text(Path file, String content) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, content, StandardCharsets.UTF_8);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void write(BufferedImage img, String format, Path file) {
        try {
            Files.createDirectories(file.getParent());
            if (!ImageIO.write(img, format, file.toFile())) {
                throw new IllegalStateException("no writer for " + format);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
