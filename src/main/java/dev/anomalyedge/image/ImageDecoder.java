package dev.anomalyedge.image;

import javax.imageio.IIOException;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.event.IIOReadWarningListener;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;
import java.awt.image.BufferedImage;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.MultiPixelPackedSampleModel;
import java.awt.image.Raster;
import java.awt.image.SampleModel;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Decodes PNG, JPEG and BMP bytes (with {@code javax.imageio}) into a {@link PillowImage} in the mode Pillow's
 * {@code Image.open} would give, so that the later resize and conversions match the reference.
 *
 * <p>Safety: the format is recognised from its magic bytes; the image size and sample layout are read from the header
 * ({@link ImageReader#getWidth}/{@link ImageReader#getHeight}/{@link ImageReader#getImageTypes}) and checked against
 * the pixel limit and the decoded-bytes limit (bit depth and channel count count, not only pixels) <b>before</b> any
 * pixel is decoded; empty, truncated, corrupt or unsupported input gives an {@link ImageDecodeException} naming the
 * source. A truncated JPEG is rejected (as Pillow does without {@code LOAD_TRUNCATED_IMAGES}), not grey-filled.
 *
 * <p>Subsampling: {@link #decode(byte[], String, int, int)} keeps only every k-th column/row while decoding an image
 * far larger than it needs to be, so a 40 MP upload never exists in memory at full size. This departs from Pillow
 * (which resizes from the full image) and is meant only for images at least twice the requested minimum on a side;
 * anything smaller decodes exactly.
 *
 * <p>Modes (Pillow ≥ 10.3 / 11, {@code PngImagePlugin}, {@code JpegImagePlugin}, {@code BmpImagePlugin}):
 * <ul>
 *   <li>PNG grey: 1 bit → "1"; 2/4/8 bits → "L" (scaled by 85 / 17 / 1); 16 bits → "I;16" (the full value).</li>
 *   <li>PNG RGB / RGBA: 8 bits → "RGB" / "RGBA"; 16 bits → the same modes keeping the high byte (Pillow's
 *       {@code RGB;16B}, {@code RGBA;16B}).</li>
 *   <li>PNG grey + alpha: 8 bits → "LA"; 16 bits → "RGBA" with R = G = B = grey high byte (Pillow's {@code LA;16B}).</li>
 *   <li>PNG palette (1–8 bits) → "P" with the PLTE colours (entries past the PLTE keep Pillow's grey ramp).
 *       A tRNS chunk never adds an alpha band (Pillow keeps it in {@code info["transparency"]}, which
 *       {@code convert('RGB')} ignores).</li>
 *   <li>JPEG: 1 component → "L", YCbCr/RGB → "RGB"; CMYK/YCCK are not supported. Samples come from the JDK's
 *       libjpeg-6b-based decoder; Pillow uses libjpeg(-turbo), whose IDCT/upsampling may differ by a grey level
 *       on some pixels (PNG and BMP are exact).</li>
 *   <li>BMP: palette images are "P", except a palette that is the grey ramp {@code (i, i, i)} ("L", the index is
 *       the grey value) or exactly black/white with 2 colours ("1"), as {@code BmpImagePlugin} decides;
 *       16/24/32-bit images are "RGB" ("RGBA" when the decoder reports an alpha mask); 5/6-bit fields are
 *       scaled with {@code v·255/max} (not checked against Pillow).</li>
 * </ul>
 * Colour profiles (ICC, gAMA) are ignored, like Pillow's {@code open}; EXIF orientation is not applied (Pillow
 * does not apply it either).
 */
public final class ImageDecoder {
    /** Pillow's {@code Image.MAX_IMAGE_PIXELS} (its decompression-bomb warning threshold): 1024·1024·1024 / 4 / 3. */
    public static final long DEFAULT_MAX_PIXELS = 1024L * 1024 * 1024 / 4 / 3;

    private static final byte[] PNG_MAGIC = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    private final long maxPixels;
    private final long maxDecodedBytes;

    public ImageDecoder() {
        this(DEFAULT_MAX_PIXELS);
    }

    /** @param maxPixels images with more than {@code width·height} pixels are refused before decoding */
    public ImageDecoder(long maxPixels) {
        this(maxPixels, Long.MAX_VALUE);
    }

    /**
     * @param maxPixels       images with more than {@code width·height} pixels are refused before decoding
     * @param maxDecodedBytes images that would occupy more bytes once decoded (see {@link #decodedBytes}) are refused
     *                        before decoding
     */
    public ImageDecoder(long maxPixels, long maxDecodedBytes) {
        if (maxPixels < 1) throw new IllegalArgumentException("max pixels must be positive, got " + maxPixels);
        if (maxDecodedBytes < 1) throw new IllegalArgumentException("max decoded bytes must be positive, got " + maxDecodedBytes);
        this.maxPixels = maxPixels;
        this.maxDecodedBytes = maxDecodedBytes;
    }

    public long maxPixels() { return maxPixels; }

    public long maxDecodedBytes() { return maxDecodedBytes; }

    /** The image format, from the first bytes. */
    enum Format { PNG, JPEG, BMP }

    /** Reads and decodes an image file. */
    public PillowImage decode(java.nio.file.Path file) {
        byte[] bytes;
        try {
            bytes = java.nio.file.Files.readAllBytes(file);
        } catch (IOException e) {
            throw new ImageDecodeException(file + ": cannot read image file: " + describe(e), e);
        }
        return decode(bytes, file.toString());
    }

    /** Decodes {@code bytes} at full resolution; {@code source} (a file name, "upload", ...) is used in error messages. */
    public PillowImage decode(byte[] bytes, String source) {
        return decode(bytes, source, Integer.MAX_VALUE, Integer.MAX_VALUE);
    }

    /**
     * Decodes {@code bytes}, subsampling while decoding when the image is at least twice {@code minWidth} wide or
     * {@code minHeight} high: every {@code kx}-th column and {@code ky}-th row is kept, {@code kx = width / minWidth},
     * {@code ky = height / minHeight} (integer division, at least 1), starting at the middle of the first
     * {@code kx × ky} block. The result is then at least {@code minWidth × minHeight} (unless the image is smaller),
     * and the full-size image is never held. An image below twice the minimum on a side is not subsampled on that
     * side, so it decodes exactly as {@link #decode(byte[], String)}.
     */
    public PillowImage decode(byte[] bytes, String source, int minWidth, int minHeight) {
        if (minWidth < 1 || minHeight < 1) throw new IllegalArgumentException("minimum decoded size must be positive, got " + minWidth + "x" + minHeight);
        if (bytes == null || bytes.length == 0) throw new ImageDecodeException(source + ": empty image data");
        Format format = sniff(bytes, source);
        PngHeader png = format == Format.PNG ? PngHeader.parse(bytes, source) : null;

        Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName(format.name().toLowerCase(java.util.Locale.ROOT));
        if (!readers.hasNext()) throw new ImageDecodeException(source + ": no " + format + " decoder available in this JVM");
        ImageReader reader = readers.next();
        List<String> warnings = new ArrayList<>();
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
            reader.setInput(in, true, true);
            int width = reader.getWidth(0);
            int height = reader.getHeight(0);
            checkSize(source, format, width, height);
            int kx = Math.max(1, width / minWidth);
            int ky = Math.max(1, height / minHeight);
            int offX = (kx - 1) / 2;
            int offY = (ky - 1) / 2;
            int outWidth = (width - offX + kx - 1) / kx;
            int outHeight = (height - offY + ky - 1) / ky;
            Iterator<ImageTypeSpecifier> types = reader.getImageTypes(0);
            if (types == null || !types.hasNext()) throw new ImageDecodeException(source + ": " + format + " decoder offers no image type");
            checkDecodedBytes(source, format, width, height, outWidth, outHeight, types.next().getSampleModel());
            reader.addIIOReadWarningListener(new IIOReadWarningListener() {
                @Override
                public void warningOccurred(ImageReader r, String warning) {
                    warnings.add(warning);
                }
            });
            ImageReadParam param = reader.getDefaultReadParam();
            if (kx > 1 || ky > 1) param.setSourceSubsampling(kx, ky, offX, offY);
            BufferedImage image = reader.read(0, param);
            for (String w : warnings) {
                if (w.toLowerCase(java.util.Locale.ROOT).contains("premature end")) {
                    throw new ImageDecodeException(source + ": truncated " + format + " data (" + w + ")");
                }
            }
            if (image.getWidth() != outWidth || image.getHeight() != outHeight) {
                throw new ImageDecodeException(source + ": decoder returned " + image.getWidth() + "x" + image.getHeight()
                        + ", expected " + outWidth + "x" + outHeight + " (header says " + width + "x" + height + ")");
            }
            switch (format) {
                case PNG: return fromPng(image, png, source);
                case JPEG: return fromJpeg(image, source);
                default: return fromBmp(image, source);
            }
        } catch (ImageDecodeException e) {
            throw e;
        } catch (IIOException e) {
            throw new ImageDecodeException(source + ": corrupt or truncated " + format + " data: " + describe(e), e);
        } catch (IOException e) {
            throw new ImageDecodeException(source + ": cannot read " + format + " data: " + describe(e), e);
        } catch (RuntimeException e) {
            // the JDK decoders throw unchecked exceptions on some malformed files
            throw new ImageDecodeException(source + ": corrupt " + format + " data: " + describe(e), e);
        } finally {
            reader.dispose();
        }
    }

    private void checkSize(String source, Format format, int width, int height) {
        if (width < 1 || height < 1) {
            throw new ImageDecodeException(source + ": " + format + " header gives size " + width + "x" + height + ", expected a positive size");
        }
        long pixels = (long) width * height;
        if (pixels > maxPixels) {
            throw new ImageTooLargeException(source + ": " + format + " image of " + width + "x" + height + " = " + pixels
                    + " pixels exceeds the limit of " + maxPixels + " pixels (refused before decoding)");
        }
    }

    private void checkDecodedBytes(String source, Format format, int width, int height, int outWidth, int outHeight, SampleModel decoded) {
        long bytes = decodedBytes(decoded, outWidth, outHeight);
        if (bytes > maxDecodedBytes) {
            String size = outWidth == width && outHeight == height ? width + "x" + height
                    : width + "x" + height + " (decoded at " + outWidth + "x" + outHeight + ")";
            throw new ImageTooLargeException(source + ": " + format + " image of " + size + " with " + decoded.getNumBands()
                    + " channel(s) of " + decoded.getSampleSize(0) + " bit(s) needs " + bytes + " bytes decoded, which exceeds the limit of "
                    + maxDecodedBytes + " bytes (refused before decoding)");
        }
    }

    /**
     * Bytes one decode holds at its peak for an image decoded at {@code width × height}: the decoder's raster (its
     * sample model: bit depth, channel count, packing) plus the 8- or 16-bit copy in the Pillow mode that the
     * pre-processing works on.
     */
    static long decodedBytes(SampleModel decoded, long width, long height) {
        int elementBytes = Math.max(1, DataBuffer.getDataTypeSize(decoded.getDataType()) / 8);
        long raster;
        if (decoded instanceof MultiPixelPackedSampleModel packed) {
            long rowElements = (width * packed.getPixelBitStride() + 8L * elementBytes - 1) / (8L * elementBytes);
            raster = rowElements * elementBytes * height;
        } else {
            raster = width * height * decoded.getNumDataElements() * elementBytes;
        }
        int bands = decoded.getNumBands();
        boolean wide = decoded.getSampleSize(0) > 8;
        // Pillow modes: 16-bit grey stays 16-bit (I;16), 16-bit grey + alpha becomes RGBA, everything else 8 bits per band
        int copyBytesPerPixel = bands == 1 ? (wide ? 2 : 1) : bands == 2 ? (wide ? 4 : 2) : bands;
        return raster + width * height * copyBytesPerPixel;
    }

    static Format sniff(byte[] b, String source) {
        if (startsWith(b, PNG_MAGIC)) return Format.PNG;
        if (b.length >= 3 && (b[0] & 0xff) == 0xFF && (b[1] & 0xff) == 0xD8 && (b[2] & 0xff) == 0xFF) return Format.JPEG;
        if (b.length >= 2 && b[0] == 'B' && b[1] == 'M') return Format.BMP;
        // the message never quotes the upload's bytes: they are the caller's data, and errors end up in logs and answers
        throw new ImageDecodeException(source + ": unsupported image format, expected PNG, JPEG or BMP (" + b.length
                + " bytes whose signature matches none of them)");
    }

    private static boolean startsWith(byte[] b, byte[] prefix) {
        if (b.length < prefix.length) return false;
        for (int i = 0; i < prefix.length; i++) if (b[i] != prefix[i]) return false;
        return true;
    }

    private static String describe(Throwable e) {
        String msg = e.getClass().getSimpleName() + (e.getMessage() != null ? " " + e.getMessage() : "");
        Throwable cause = e.getCause();
        if (cause != null && cause != e) msg += " (" + cause.getClass().getSimpleName() + (cause.getMessage() != null ? " " + cause.getMessage() : "") + ")";
        return msg;
    }

    // ---- per format --------------------------------------------------------------------------------------------

    private static PillowImage fromPng(BufferedImage image, PngHeader png, String source) {
        Raster r = image.getRaster();
        int w = image.getWidth();
        int h = image.getHeight();
        switch (png.colorType) {
            case 0: // grey (a tRNS chunk may make the JDK add an alpha band: ignored)
                if (png.bitDepth == 16) return PillowImage.wrap16(w, h, band16(r, 0, source));
                if (png.bitDepth == 1) return PillowImage.wrap(PixelMode.BILEVEL, w, h, interleave8(r, new int[] {0}, source));
                return PillowImage.wrap(PixelMode.L, w, h, interleave8(r, new int[] {0}, source));
            case 2:
                return PillowImage.wrap(PixelMode.RGB, w, h, interleave8(r, new int[] {0, 1, 2}, source));
            case 3:
                return PillowImage.wrapPalette(w, h, indices(r, source), PillowImage.fullPalette(png.palette));
            case 4:
                if (png.bitDepth == 16) return PillowImage.wrap(PixelMode.RGBA, w, h, interleave8(r, new int[] {0, 0, 0, 1}, source));
                return PillowImage.wrap(PixelMode.LA, w, h, interleave8(r, new int[] {0, 1}, source));
            case 6:
                return PillowImage.wrap(PixelMode.RGBA, w, h, interleave8(r, new int[] {0, 1, 2, 3}, source));
            default:
                throw new ImageDecodeException(source + ": PNG colour type " + png.colorType + " is not valid");
        }
    }

    private static PillowImage fromJpeg(BufferedImage image, String source) {
        Raster r = image.getRaster();
        int bands = r.getNumBands();
        if (bands == 1) return PillowImage.wrap(PixelMode.L, image.getWidth(), image.getHeight(), interleave8(r, new int[] {0}, source));
        if (bands == 3) return PillowImage.wrap(PixelMode.RGB, image.getWidth(), image.getHeight(), interleave8(r, new int[] {0, 1, 2}, source));
        throw new ImageDecodeException(source + ": JPEG with " + bands + " components is not supported, expected grey or colour (1 or 3)");
    }

    private static PillowImage fromBmp(BufferedImage image, String source) {
        Raster r = image.getRaster();
        int w = image.getWidth();
        int h = image.getHeight();
        if (image.getColorModel() instanceof IndexColorModel) {
            IndexColorModel cm = (IndexColorModel) image.getColorModel();
            int colours = Math.min(cm.getMapSize(), 256);
            byte[] rgb = new byte[colours * 3];
            for (int i = 0; i < colours; i++) {
                rgb[3 * i] = (byte) cm.getRed(i);
                rgb[3 * i + 1] = (byte) cm.getGreen(i);
                rgb[3 * i + 2] = (byte) cm.getBlue(i);
            }
            byte[] idx = indices(r, source);
            if (colours == 2 && isGrey(rgb, 0, 0) && isGrey(rgb, 1, 255)) {
                for (int i = 0; i < idx.length; i++) idx[i] = (byte) (idx[i] != 0 ? 255 : 0);
                return PillowImage.wrap(PixelMode.BILEVEL, w, h, idx);
            }
            boolean ramp = colours != 2;
            for (int i = 0; i < colours && ramp; i++) ramp = isGrey(rgb, i, i);
            if (ramp) return PillowImage.wrap(PixelMode.L, w, h, idx);
            return PillowImage.wrapPalette(w, h, idx, PillowImage.fullPalette(rgb));
        }
        int bands = r.getNumBands();
        if (bands == 1) {
            // the JDK returns an 8-bit palette that is exactly the 256-entry grey ramp as a grey image (value = index),
            // which is Pillow's "L" for it as well
            return PillowImage.wrap(PixelMode.L, w, h, interleave8(r, new int[] {0}, source));
        }
        if (bands == 3 || (bands == 4 && !image.getColorModel().hasAlpha())) {
            return PillowImage.wrap(PixelMode.RGB, w, h, interleave8(r, new int[] {0, 1, 2}, source));
        }
        if (bands == 4) return PillowImage.wrap(PixelMode.RGBA, w, h, interleave8(r, new int[] {0, 1, 2, 3}, source));
        throw new ImageDecodeException(source + ": BMP with " + bands + " bands is not supported");
    }

    private static boolean isGrey(byte[] rgb, int entry, int value) {
        return (rgb[3 * entry] & 0xff) == value && (rgb[3 * entry + 1] & 0xff) == value && (rgb[3 * entry + 2] & 0xff) == value;
    }

    // ---- raster access -------------------------------------------------------------------------------------------

    /** Samples of the given raster bands as 8 bits (16-bit samples keep the high byte, 1–7-bit ones are scaled). */
    private static byte[] interleave8(Raster r, int[] bandOfChannel, String source) {
        int w = r.getWidth();
        int h = r.getHeight();
        int channels = bandOfChannel.length;
        for (int b : bandOfChannel) {
            if (b >= r.getNumBands()) throw new ImageDecodeException(source + ": decoded raster has " + r.getNumBands() + " bands, expected at least " + (b + 1));
        }
        byte[] out = new byte[Math.multiplyExact(Math.multiplyExact(w, h), channels)];
        int[] row = new int[w];
        for (int c = 0; c < channels; c++) {
            int band = bandOfChannel[c];
            int bits = r.getSampleModel().getSampleSize(band);
            for (int y = 0; y < h; y++) {
                r.getSamples(r.getMinX(), r.getMinY() + y, w, 1, band, row);
                for (int x = 0; x < w; x++) out[(y * w + x) * channels + c] = (byte) to8(row[x], bits);
            }
        }
        return out;
    }

    private static int to8(int v, int bits) {
        if (bits == 8) return v;
        if (bits > 8) return v >>> (bits - 8);
        return v * 255 / ((1 << bits) - 1);
    }

    private static short[] band16(Raster r, int band, String source) {
        int bits = r.getSampleModel().getSampleSize(band);
        if (bits != 16) throw new ImageDecodeException(source + ": expected 16-bit samples, decoder gave " + bits + "-bit");
        int w = r.getWidth();
        int h = r.getHeight();
        short[] out = new short[Math.multiplyExact(w, h)];
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            r.getSamples(r.getMinX(), r.getMinY() + y, w, 1, band, row);
            for (int x = 0; x < w; x++) out[y * w + x] = (short) row[x];
        }
        return out;
    }

    /** Raw palette indices of band 0. */
    private static byte[] indices(Raster r, String source) {
        int w = r.getWidth();
        int h = r.getHeight();
        byte[] out = new byte[Math.multiplyExact(w, h)];
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            r.getSamples(r.getMinX(), r.getMinY() + y, w, 1, 0, row);
            for (int x = 0; x < w; x++) {
                if (row[x] < 0 || row[x] > 255) throw new ImageDecodeException(source + ": palette index " + row[x] + " outside 0..255");
                out[y * w + x] = (byte) row[x];
            }
        }
        return out;
    }

    // ---- PNG header ------------------------------------------------------------------------------------------------

    /** IHDR fields and the PLTE colours, read from the chunk list before IDAT (CRCs are left to the decoder). */
    static final class PngHeader {
        final int bitDepth;
        final int colorType;
        final byte[] palette;

        private PngHeader(int bitDepth, int colorType, byte[] palette) {
            this.bitDepth = bitDepth;
            this.colorType = colorType;
            this.palette = palette;
        }

        static PngHeader parse(byte[] b, String source) {
            int pos = PNG_MAGIC.length;
            int bitDepth = -1;
            int colorType = -1;
            byte[] palette = new byte[0];
            while (pos + 8 <= b.length) {
                long length = readInt(b, pos) & 0xffffffffL;
                String type = new String(b, pos + 4, 4, StandardCharsets.ISO_8859_1);
                int data = pos + 8;
                if (type.equals("IDAT") || type.equals("IEND")) break; // pixel data: the decoder checks it
                if (length > b.length - data) {
                    throw new ImageDecodeException(source + ": truncated PNG: chunk " + type + " declares " + length
                            + " bytes, " + (b.length - data) + " remain");
                }
                if (pos == PNG_MAGIC.length && !type.equals("IHDR")) {
                    throw new ImageDecodeException(source + ": corrupt PNG: first chunk is '" + type + "', expected IHDR");
                }
                if (type.equals("IHDR")) {
                    if (length != 13) throw new ImageDecodeException(source + ": corrupt PNG: IHDR of " + length + " bytes, expected 13");
                    bitDepth = b[data + 8] & 0xff;
                    colorType = b[data + 9] & 0xff;
                } else if (type.equals("PLTE")) {
                    if (length % 3 != 0 || length > 768) {
                        throw new ImageDecodeException(source + ": corrupt PNG: PLTE of " + length + " bytes, expected a multiple of 3 up to 768");
                    }
                    palette = new byte[(int) length];
                    System.arraycopy(b, data, palette, 0, (int) length);
                }
                pos = data + (int) length + 4;
            }
            if (bitDepth < 0) throw new ImageDecodeException(source + ": truncated PNG: no complete IHDR chunk");
            boolean valid;
            switch (colorType) {
                case 0: valid = bitDepth == 1 || bitDepth == 2 || bitDepth == 4 || bitDepth == 8 || bitDepth == 16; break;
                case 3: valid = bitDepth == 1 || bitDepth == 2 || bitDepth == 4 || bitDepth == 8; break;
                case 2: case 4: case 6: valid = bitDepth == 8 || bitDepth == 16; break;
                default: valid = false;
            }
            if (!valid) {
                throw new ImageDecodeException(source + ": unsupported PNG: colour type " + colorType + " with bit depth " + bitDepth);
            }
            return new PngHeader(bitDepth, colorType, palette);
        }

        private static int readInt(byte[] b, int at) {
            return ((b[at] & 0xff) << 24) | ((b[at + 1] & 0xff) << 16) | ((b[at + 2] & 0xff) << 8) | (b[at + 3] & 0xff);
        }
    }
}
