package dev.anomalyedge.image;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Writes a {@link PillowImage} as PNG: L as 8-bit grey, RGB, RGBA, I;16 as 16-bit grey; P is written as RGB,
 * "1" as grey, LA as RGBA.
 */
public final class ImageEncoder {
    private ImageEncoder() {}

    public static byte[] png(PillowImage image) {
        BufferedImage out = toBufferedImage(image);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(out, "png", bytes)) throw new IllegalStateException("no PNG writer available in this JVM");
        } catch (IOException e) {
            throw new UncheckedIOException("writing PNG to memory", e);
        }
        return bytes.toByteArray();
    }

    static BufferedImage toBufferedImage(PillowImage image) {
        int w = image.width();
        int h = image.height();
        switch (image.mode()) {
            case P:
                return toBufferedImage(image.toRgb());
            case BILEVEL:
                return toBufferedImage(image.toL());
            case I16: {
                BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_USHORT_GRAY);
                short[] px = image.samples16();
                int[] row = new int[w];
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) row[x] = px[y * w + x] & 0xffff;
                    out.getRaster().setSamples(0, y, w, 1, 0, row);
                }
                return out;
            }
            case LA: {
                byte[] la = image.samples();
                byte[] rgba = new byte[w * h * 4];
                for (int i = 0; i < w * h; i++) {
                    rgba[4 * i] = rgba[4 * i + 1] = rgba[4 * i + 2] = la[2 * i];
                    rgba[4 * i + 3] = la[2 * i + 1];
                }
                return toBufferedImage(PillowImage.wrap(PixelMode.RGBA, w, h, rgba));
            }
            default:
                break;
        }
        int type = image.mode() == PixelMode.L ? BufferedImage.TYPE_BYTE_GRAY
                : image.mode() == PixelMode.RGB ? BufferedImage.TYPE_3BYTE_BGR : BufferedImage.TYPE_4BYTE_ABGR;
        int bands = image.mode().bands();
        byte[] px = image.samples();
        BufferedImage out = new BufferedImage(w, h, type);
        WritableRaster raster = out.getRaster(); // band b is R, G, B, A (or grey) whatever the storage order
        int[] row = new int[w];
        for (int b = 0; b < bands; b++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) row[x] = px[(y * w + x) * bands + b] & 0xff;
                raster.setSamples(0, y, w, 1, b, row);
            }
        }
        return out;
    }
}
