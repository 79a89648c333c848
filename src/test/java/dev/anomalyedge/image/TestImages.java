package dev.anomalyedge.image;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/** Builds small image files for tests: raw PNG chunks (any colour type / bit depth) and ImageIO-written JPEG/BMP/PNG. */
final class TestImages {
    private TestImages() {}

    /**
     * A PNG from packed scanlines (without filter bytes; each row {@code ceil(w·channels·bitDepth/8)} bytes).
     * {@code plte}/{@code trns} may be null.
     */
    static byte[] png(int width, int height, int bitDepth, int colorType, byte[] rows, byte[] plte, byte[] trns) {
        int channels = colorType == 0 || colorType == 3 ? 1 : colorType == 2 ? 3 : colorType == 4 ? 2 : 4;
        int rowBytes = (width * channels * bitDepth + 7) / 8;
        if (rows.length != rowBytes * height) throw new IllegalArgumentException("rows: " + rows.length + " bytes, expected " + rowBytes * height);
        byte[] filtered = new byte[(rowBytes + 1) * height];
        for (int y = 0; y < height; y++) System.arraycopy(rows, y * rowBytes, filtered, y * (rowBytes + 1) + 1, rowBytes);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        chunk(out, "IHDR", ByteBuffer.allocate(13).putInt(width).putInt(height).put((byte) bitDepth).put((byte) colorType)
                .put((byte) 0).put((byte) 0).put((byte) 0).array());
        if (plte != null) chunk(out, "PLTE", plte);
        if (trns != null) chunk(out, "tRNS", trns);
        chunk(out, "IDAT", deflate(filtered));
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    /** A PNG whose IHDR claims {@code width×height} but whose IDAT holds just a few bytes. */
    static byte[] pngHeaderOnly(int width, int height) {
        return pngHeaderOnly(width, height, 8, 2);
    }

    /** {@link #pngHeaderOnly(int, int)} with the given bit depth and colour type. */
    static byte[] pngHeaderOnly(int width, int height, int bitDepth, int colorType) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        chunk(out, "IHDR", ByteBuffer.allocate(13).putInt(width).putInt(height).put((byte) bitDepth).put((byte) colorType)
                .put((byte) 0).put((byte) 0).put((byte) 0).array());
        chunk(out, "IDAT", deflate(new byte[16]));
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    /**
     * A palette BMP (BITMAPINFOHEADER, uncompressed, bottom-up) with {@code bits} 1, 4 or 8 per index;
     * {@code rgb} holds the palette as RGB triples, {@code indices} one index per pixel, top row first.
     */
    static byte[] paletteBmp(int width, int height, int bits, byte[] rgb, int[] indices) {
        int colours = rgb.length / 3;
        int rowBytes = ((width * bits + 31) / 32) * 4;
        int offset = 14 + 40 + 4 * colours;
        ByteBuffer out = ByteBuffer.allocate(offset + rowBytes * height).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        out.put((byte) 'B').put((byte) 'M').putInt(out.capacity()).putInt(0).putInt(offset);
        out.putInt(40).putInt(width).putInt(height).putShort((short) 1).putShort((short) bits).putInt(0)
                .putInt(rowBytes * height).putInt(2835).putInt(2835).putInt(colours).putInt(0);
        for (int i = 0; i < colours; i++) out.put(rgb[3 * i + 2]).put(rgb[3 * i + 1]).put(rgb[3 * i]).put((byte) 0);
        for (int y = height - 1; y >= 0; y--) {
            byte[] row = new byte[rowBytes];
            for (int x = 0; x < width; x++) {
                int bit = x * bits;
                row[bit / 8] |= (byte) (indices[y * width + x] << (8 - bits - bit % 8));
            }
            out.put(row);
        }
        return out.array();
    }

    static byte[] write(BufferedImage image, String format) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(image, format, out)) throw new IllegalStateException("no writer for " + format + " / type " + image.getType());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** A smooth RGB test picture: R follows x, G follows y, B a diagonal. */
    static BufferedImage gradient(int width, int height, int type) {
        BufferedImage img = new BufferedImage(width, height, type);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int r = x * 255 / (width - 1);
                int g = y * 255 / (height - 1);
                int b = (x + y) * 255 / (width + height - 2);
                img.setRGB(x, y, 0xff000000 | (r << 16) | (g << 8) | b);
            }
        }
        return img;
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
        byte[] t = type.getBytes(StandardCharsets.ISO_8859_1);
        out.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
        out.writeBytes(t);
        out.writeBytes(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }

    private static byte[] deflate(byte[] data) {
        Deflater d = new Deflater();
        d.setInput(data);
        d.finish();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        while (!d.finished()) out.write(buf, 0, d.deflate(buf));
        d.end();
        return out.toByteArray();
    }
}
