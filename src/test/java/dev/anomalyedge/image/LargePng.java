package dev.anomalyedge.image;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;

/**
 * Writes large PNGs row by row (never holding the image) for memory and subsampling tests. Every row is written with
 * the PNG "Up" filter, so an image whose rows repeat compresses to about 1/1000 of its decoded size.
 */
public final class LargePng {
    private LargePng() {}

    /** Fills one row: {@code samples[x·channels + c]} for row {@code y}, each 0..255 (8 bits) or 0..65535 (16 bits). */
    public interface Rows {
        void fill(int y, int[] samples);
    }

    private static byte[] reported;

    /**
     * The upload from the reliability report: 6400x6250 16-bit RGBA = 40 MP, about 340 KB, 320 MB of raster decoded.
     * Made once per JVM (it takes seconds).
     */
    public static synchronized byte[] reportedUpload() {
        if (reported == null) reported = rgba16(6400, 6250);
        return reported;
    }

    /**
     * A compressible 16-bit RGBA image (colour type 6): a horizontal colour ramp, opaque, whose rows change every 512
     * lines — the kind of legal, tiny upload that decodes to {@code width·height·8} bytes.
     */
    public static byte[] rgba16(int width, int height) {
        return png(width, height, 16, 6, (y, s) -> {
            int band = y / 512;
            for (int x = 0; x < width; x++) {
                s[4 * x] = (x * 65535 / width + band * 4099) & 0xffff;
                s[4 * x + 1] = 40000;
                s[4 * x + 2] = (band * 9001) & 0xffff;
                s[4 * x + 3] = 65535;
            }
        });
    }

    /** A PNG of colour type 2 (RGB) or 6 (RGBA), bit depth 8 or 16, from {@code rows}. */
    public static byte[] png(int width, int height, int bitDepth, int colorType, Rows rows) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            write(out, width, height, bitDepth, colorType, rows);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    public static void write(OutputStream out, int width, int height, int bitDepth, int colorType, Rows rows) throws IOException {
        if (bitDepth != 8 && bitDepth != 16) throw new IllegalArgumentException("bit depth 8 or 16");
        if (colorType != 2 && colorType != 6) throw new IllegalArgumentException("colour type 2 or 6");
        int channels = colorType == 2 ? 3 : 4;
        int bytesPerSample = bitDepth / 8;
        out.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        chunk(out, "IHDR", ByteBuffer.allocate(13).putInt(width).putInt(height).put((byte) bitDepth).put((byte) colorType)
                .put((byte) 0).put((byte) 0).put((byte) 0).array());
        ByteArrayOutputStream idat = new ByteArrayOutputStream();
        Deflater deflater = new Deflater(Deflater.BEST_COMPRESSION);
        try (DeflaterOutputStream z = new DeflaterOutputStream(idat, deflater, 1 << 16)) {
            int[] samples = new int[width * channels];
            byte[] previous = new byte[width * channels * bytesPerSample];
            byte[] current = new byte[previous.length];
            byte[] filtered = new byte[previous.length + 1];
            filtered[0] = 2; // Up
            for (int y = 0; y < height; y++) {
                rows.fill(y, samples);
                for (int i = 0; i < samples.length; i++) {
                    if (bitDepth == 8) {
                        current[i] = (byte) samples[i];
                    } else {
                        current[2 * i] = (byte) (samples[i] >>> 8);
                        current[2 * i + 1] = (byte) samples[i];
                    }
                }
                for (int i = 0; i < current.length; i++) filtered[i + 1] = (byte) (current[i] - previous[i]);
                z.write(filtered);
                byte[] t = previous;
                previous = current;
                current = t;
            }
        } finally {
            deflater.end();
        }
        chunk(out, "IDAT", idat.toByteArray());
        chunk(out, "IEND", new byte[0]);
    }

    /** Writes one PNG chunk: length, type, data, CRC-32 over type and data. */
    public static void chunk(OutputStream out, String type, byte[] data) throws IOException {
        out.write(ByteBuffer.allocate(4).putInt(data.length).array());
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        out.write(t);
        out.write(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        out.write(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }
}
