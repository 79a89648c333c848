package dev.anomalyedge.image;

import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImageDecoderTest {
    private final ImageDecoder decoder = new ImageDecoder();

    // ---- modes -------------------------------------------------------------------------------------------------

    @Test
    void greyPngIsModeLWithItsValues() {
        BufferedImage img = new BufferedImage(5, 4, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 4; y++) for (int x = 0; x < 5; x++) img.getRaster().setSample(x, y, 0, x * 50 + y);
        PillowImage p = decoder.decode(TestImages.write(img, "png"), "grey.png");
        assertEquals(PixelMode.L, p.mode());
        assertEquals(5, p.width());
        assertEquals(4, p.height());
        for (int y = 0; y < 4; y++) for (int x = 0; x < 5; x++) assertEquals(x * 50 + y, p.sample(x, y, 0));
    }

    @Test
    void rgbAndRgbaPngKeepTheirChannels() {
        BufferedImage rgb = TestImages.gradient(6, 5, BufferedImage.TYPE_3BYTE_BGR);
        PillowImage p = decoder.decode(TestImages.write(rgb, "png"), "rgb.png");
        assertEquals(PixelMode.RGB, p.mode());
        for (int y = 0; y < 5; y++) {
            for (int x = 0; x < 6; x++) {
                int argb = rgb.getRGB(x, y);
                assertEquals((argb >> 16) & 0xff, p.sample(x, y, 0));
                assertEquals((argb >> 8) & 0xff, p.sample(x, y, 1));
                assertEquals(argb & 0xff, p.sample(x, y, 2));
            }
        }
        BufferedImage rgba = new BufferedImage(3, 2, BufferedImage.TYPE_4BYTE_ABGR);
        rgba.setRGB(0, 0, 0x80ff0000);
        rgba.setRGB(2, 1, 0xff00ff00);
        PillowImage q = decoder.decode(TestImages.write(rgba, "png"), "rgba.png");
        assertEquals(PixelMode.RGBA, q.mode());
        assertEquals(255, q.sample(0, 0, 0));
        assertEquals(0x80, q.sample(0, 0, 3));
        assertEquals(0, q.sample(1, 0, 3));
        assertEquals(255, q.sample(2, 1, 1));
    }

    @Test
    void palettePngIsModePWithItsPaletteAndIgnoresTransparency() {
        byte[] plte = {(byte) 255, 0, 0, 0, (byte) 255, 0, 0, 0, (byte) 255};
        byte[] indices = {0, 1, 2, 2, 1, 0};
        PillowImage p = decoder.decode(TestImages.png(3, 2, 8, 3, indices, plte, new byte[] {0}), "pal.png");
        assertEquals(PixelMode.P, p.mode());
        assertEquals(2, p.sample(2, 0, 0));
        byte[] palette = p.palette();
        assertArrayEquals(plte, Arrays.copyOf(palette, 9));
        assertEquals(3, palette[9]); // entries past PLTE: Pillow's grey ramp
        PillowImage rgb = p.toRgb();
        assertEquals(255, rgb.sample(0, 0, 0));
        assertEquals(255, rgb.sample(1, 0, 1));
        assertEquals(255, rgb.sample(2, 0, 2));

        // 2-bit palette: four indices per byte
        PillowImage p2 = decoder.decode(TestImages.png(4, 1, 2, 3, new byte[] {(byte) 0b00011011}, plte, null), "pal2.png");
        assertEquals(PixelMode.P, p2.mode());
        assertArrayEquals(new byte[] {0, 1, 2, 3}, p2.samples());
    }

    @Test
    void sixteenBitGreyPngIsI16KeepingTheFullValue() {
        int[] values = {0, 100, 255, 256, 40000, 65535};
        ByteBuffer rows = ByteBuffer.allocate(12);
        for (int v : values) rows.putShort((short) v);
        PillowImage p = decoder.decode(TestImages.png(6, 1, 16, 0, rows.array(), null, null), "grey16.png");
        assertEquals(PixelMode.I16, p.mode());
        for (int i = 0; i < values.length; i++) assertEquals(values[i], p.sample(i, 0, 0));
        // convert('RGB') clamps at 255
        PillowImage rgb = p.toRgb();
        int[] expected = {0, 100, 255, 255, 255, 255};
        for (int i = 0; i < values.length; i++) assertEquals(expected[i], rgb.sample(i, 0, 1));
    }

    @Test
    void sixteenBitColourPngsKeepTheHighByte() {
        ByteBuffer rgb = ByteBuffer.allocate(6).putShort((short) 0x1234).putShort((short) 0xABCD).putShort((short) 0x00FF);
        PillowImage p = decoder.decode(TestImages.png(1, 1, 16, 2, rgb.array(), null, null), "rgb16.png");
        assertEquals(PixelMode.RGB, p.mode());
        assertArrayEquals(new byte[] {0x12, (byte) 0xAB, 0x00}, p.samples());

        ByteBuffer rgba = ByteBuffer.allocate(8).putShort((short) 0x1234).putShort((short) 0xABCD).putShort((short) 0x00FF).putShort((short) 0x8001);
        PillowImage q = decoder.decode(TestImages.png(1, 1, 16, 6, rgba.array(), null, null), "rgba16.png");
        assertEquals(PixelMode.RGBA, q.mode());
        assertArrayEquals(new byte[] {0x12, (byte) 0xAB, 0x00, (byte) 0x80}, q.samples());

        // 16-bit grey + alpha opens as RGBA (Pillow's LA;16B raw mode)
        ByteBuffer la = ByteBuffer.allocate(4).putShort((short) 0x7F00).putShort((short) 0xFFFF);
        PillowImage r = decoder.decode(TestImages.png(1, 1, 16, 4, la.array(), null, null), "la16.png");
        assertEquals(PixelMode.RGBA, r.mode());
        assertArrayEquals(new byte[] {0x7F, 0x7F, 0x7F, (byte) 0xFF}, r.samples());
    }

    @Test
    void lowBitDepthAndGreyAlphaPngs() {
        PillowImage one = decoder.decode(TestImages.png(8, 1, 1, 0, new byte[] {(byte) 0b10100000}, null, null), "bw.png");
        assertEquals(PixelMode.BILEVEL, one.mode());
        assertArrayEquals(new byte[] {(byte) 255, 0, (byte) 255, 0, 0, 0, 0, 0}, one.samples());

        PillowImage two = decoder.decode(TestImages.png(4, 1, 2, 0, new byte[] {(byte) 0b00011011}, null, null), "g2.png");
        assertEquals(PixelMode.L, two.mode());
        assertArrayEquals(new byte[] {0, 85, (byte) 170, (byte) 255}, two.samples());

        PillowImage four = decoder.decode(TestImages.png(2, 1, 4, 0, new byte[] {(byte) 0x1F}, null, null), "g4.png");
        assertArrayEquals(new byte[] {17, (byte) 255}, four.samples());

        PillowImage la = decoder.decode(TestImages.png(2, 1, 8, 4, new byte[] {10, 20, 30, 40}, null, null), "la.png");
        assertEquals(PixelMode.LA, la.mode());
        assertArrayEquals(new byte[] {10, 20, 30, 40}, la.samples());
    }

    @Test
    void transparencyChunkDoesNotAddAlphaToGreyOrRgb() {
        PillowImage grey = decoder.decode(TestImages.png(2, 1, 8, 0, new byte[] {7, 9}, null, new byte[] {0, 7}), "trns-grey.png");
        assertEquals(PixelMode.L, grey.mode());
        assertArrayEquals(new byte[] {7, 9}, grey.samples());
        PillowImage rgb = decoder.decode(TestImages.png(1, 1, 8, 2, new byte[] {1, 2, 3}, null, new byte[] {0, 1, 0, 2, 0, 3}), "trns-rgb.png");
        assertEquals(PixelMode.RGB, rgb.mode());
        assertArrayEquals(new byte[] {1, 2, 3}, rgb.samples());
    }

    @Test
    void jpegDecodesToRgbOrL() {
        BufferedImage src = TestImages.gradient(32, 24, BufferedImage.TYPE_3BYTE_BGR);
        PillowImage p = decoder.decode(TestImages.write(src, "jpeg"), "photo.jpg");
        assertEquals(PixelMode.RGB, p.mode());
        assertEquals(32, p.width());
        assertEquals(24, p.height());
        double err = 0;
        for (int y = 0; y < 24; y++) {
            for (int x = 0; x < 32; x++) {
                int argb = src.getRGB(x, y);
                err += Math.abs(((argb >> 16) & 0xff) - p.sample(x, y, 0)) + Math.abs(((argb >> 8) & 0xff) - p.sample(x, y, 1))
                        + Math.abs((argb & 0xff) - p.sample(x, y, 2));
            }
        }
        assertTrue(err / (32 * 24 * 3) < 6, "lossy but close to the source, mean |error| " + err / (32 * 24 * 3));

        BufferedImage grey = new BufferedImage(16, 16, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 16; y++) for (int x = 0; x < 16; x++) grey.getRaster().setSample(x, y, 0, 128);
        PillowImage g = decoder.decode(TestImages.write(grey, "jpeg"), "grey.jpg");
        assertEquals(PixelMode.L, g.mode());
        assertEquals(128, g.sample(7, 7, 0), 1);
    }

    @Test
    void bmpDecodesToRgbPaletteOrGrey() {
        BufferedImage src = TestImages.gradient(7, 5, BufferedImage.TYPE_3BYTE_BGR);
        PillowImage rgb = decoder.decode(TestImages.write(src, "bmp"), "img.bmp");
        assertEquals(PixelMode.RGB, rgb.mode());
        for (int y = 0; y < 5; y++) for (int x = 0; x < 7; x++) assertEquals((src.getRGB(x, y) >> 8) & 0xff, rgb.sample(x, y, 1));

        // 8-bit palette written by the JDK (its BMP writer mis-packs 4-bit palettes, so those are built by hand below)
        byte[] r = new byte[256];
        byte[] g = new byte[256];
        byte[] b = new byte[256];
        r[0] = (byte) 200; g[0] = 100; b[0] = 50;
        r[1] = 10; g[1] = 20; b[1] = 30;
        BufferedImage indexed = new BufferedImage(4, 2, BufferedImage.TYPE_BYTE_INDEXED, new IndexColorModel(8, 256, r, g, b));
        indexed.getRaster().setSample(3, 1, 0, 1);
        PillowImage p = decoder.decode(TestImages.write(indexed, "bmp"), "pal.bmp");
        assertEquals(PixelMode.P, p.mode());
        assertEquals(1, p.sample(3, 1, 0));
        assertEquals(0, p.sample(0, 0, 0));
        assertEquals(200, p.toRgb().sample(0, 0, 0));

        // 4-bit colour palette: P
        byte[] pal4 = {(byte) 255, 0, 0, 0, (byte) 255, 0, 0, 0, (byte) 255};
        PillowImage p4 = decoder.decode(TestImages.paletteBmp(3, 2, 4, pal4, new int[] {0, 1, 2, 2, 1, 0}), "pal4.bmp");
        assertEquals(PixelMode.P, p4.mode());
        assertArrayEquals(new byte[] {0, 1, 2, 2, 1, 0}, p4.samples());

        // 1-bit black/white palette: mode "1"
        byte[] bw = {0, 0, 0, (byte) 255, (byte) 255, (byte) 255};
        PillowImage one = decoder.decode(TestImages.paletteBmp(5, 1, 1, bw, new int[] {1, 0, 0, 1, 1}), "bw.bmp");
        assertEquals(PixelMode.BILEVEL, one.mode());
        assertArrayEquals(new byte[] {(byte) 255, 0, 0, (byte) 255, (byte) 255}, one.samples());

        // a palette that is the grey ramp is opened as L (BmpImagePlugin)
        byte[] ramp = new byte[256];
        for (int i = 0; i < 256; i++) ramp[i] = (byte) i;
        BufferedImage greyPal = new BufferedImage(3, 1, BufferedImage.TYPE_BYTE_INDEXED, new IndexColorModel(8, 256, ramp, ramp, ramp));
        greyPal.getRaster().setSamples(0, 0, 3, 1, 0, new int[] {5, 128, 250});
        PillowImage l = decoder.decode(TestImages.write(greyPal, "bmp"), "grey.bmp");
        assertEquals(PixelMode.L, l.mode());
        assertArrayEquals(new byte[] {5, (byte) 128, (byte) 250}, l.samples());
    }

    // ---- limits and bad input ----------------------------------------------------------------------------------

    @Test
    void pixelLimitFiresOnTheHeaderBeforeDecoding() {
        // the IDAT holds 16 bytes: decoding would fail as corrupt, so the message proves the header check came first
        byte[] huge = TestImages.pngHeaderOnly(100_000, 100_000);
        ImageDecodeException e = assertThrows(ImageDecodeException.class, () -> decoder.decode(huge, "bomb.png"));
        assertTrue(e.getMessage().contains("bomb.png") && e.getMessage().contains("100000x100000")
                && e.getMessage().contains("exceeds the limit of " + ImageDecoder.DEFAULT_MAX_PIXELS), e.getMessage());

        ImageDecoder small = new ImageDecoder(100);
        byte[] png20 = TestImages.write(TestImages.gradient(20, 20, BufferedImage.TYPE_3BYTE_BGR), "png");
        assertThrows(ImageDecodeException.class, () -> small.decode(png20, "a.png"));
        byte[] jpg20 = TestImages.write(TestImages.gradient(20, 20, BufferedImage.TYPE_3BYTE_BGR), "jpeg");
        assertThrows(ImageDecodeException.class, () -> small.decode(jpg20, "a.jpg"));
        byte[] bmp20 = TestImages.write(TestImages.gradient(20, 20, BufferedImage.TYPE_3BYTE_BGR), "bmp");
        assertThrows(ImageDecodeException.class, () -> small.decode(bmp20, "a.bmp"));
        assertEquals(10, small.decode(TestImages.write(TestImages.gradient(10, 10, BufferedImage.TYPE_3BYTE_BGR), "png"), "ok.png").width());
    }

    @Test
    void decodedBytesLimitCountsBitDepthAndChannelsFromTheHeader() {
        // same pixel count, 1000x1000: 8-bit grey holds 1 MB raster + 1 MB copy, 16-bit RGBA 8 MB raster + 4 MB copy
        ImageDecoder budget = new ImageDecoder(ImageDecoder.DEFAULT_MAX_PIXELS, 4_000_000);
        byte[] grey8 = TestImages.pngHeaderOnly(1000, 1000, 8, 0);
        byte[] rgba16 = TestImages.pngHeaderOnly(1000, 1000, 16, 6);
        // the IDATs are empty: the grey one passes the budget and then fails as corrupt, the RGBA one never gets there
        ImageDecodeException grey = assertThrows(ImageDecodeException.class, () -> budget.decode(grey8, "grey.png"));
        assertTrue(!(grey instanceof ImageTooLargeException), grey.getMessage());
        ImageTooLargeException rgba = assertThrows(ImageTooLargeException.class, () -> budget.decode(rgba16, "rgba16.png"));
        assertTrue(rgba.getMessage().startsWith("rgba16.png: PNG image of 1000x1000 with 4 channel(s) of 16 bit(s) needs 12000000 bytes decoded")
                && rgba.getMessage().contains("exceeds the limit of 4000000 bytes (refused before decoding)"), rgba.getMessage());

        // other formats: their header's layout counts the same way (20x20 RGB: 1200 + 1200 bytes)
        ImageDecoder tiny = new ImageDecoder(ImageDecoder.DEFAULT_MAX_PIXELS, 2000);
        byte[] jpg = TestImages.write(TestImages.gradient(20, 20, BufferedImage.TYPE_3BYTE_BGR), "jpeg");
        assertThrows(ImageTooLargeException.class, () -> tiny.decode(jpg, "a.jpg"));
        byte[] bmp = TestImages.write(TestImages.gradient(20, 20, BufferedImage.TYPE_3BYTE_BGR), "bmp");
        assertThrows(ImageTooLargeException.class, () -> tiny.decode(bmp, "a.bmp"));
        byte[] grey20 = TestImages.write(TestImages.gradient(20, 20, BufferedImage.TYPE_BYTE_GRAY), "png");
        assertEquals(20, tiny.decode(grey20, "grey20.png").width()); // 400 + 400 bytes
    }

    @Test
    void subsamplingKeepsEveryKthPixelFromTheMiddleOfItsBlock() {
        int w = 100;
        int h = 61;
        byte[] rows = new byte[w * h * 3];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                rows[(y * w + x) * 3] = (byte) x;
                rows[(y * w + x) * 3 + 1] = (byte) y;
                rows[(y * w + x) * 3 + 2] = (byte) (x ^ y);
            }
        }
        byte[] png = TestImages.png(w, h, 8, 2, rows, null, null);
        // kx = 100 / 20 = 5 from column 2, ky = 61 / 20 = 3 from row 1: 20 x 20
        PillowImage sub = decoder.decode(png, "sub.png", 20, 20);
        assertEquals(PixelMode.RGB, sub.mode());
        assertEquals(20, sub.width());
        assertEquals(20, sub.height());
        for (int j = 0; j < 20; j++) {
            for (int i = 0; i < 20; i++) {
                int x = 2 + 5 * i;
                int y = 1 + 3 * j;
                assertEquals(x, sub.sample(i, j, 0));
                assertEquals(y, sub.sample(i, j, 1));
                assertEquals(x ^ y, sub.sample(i, j, 2));
            }
        }
        // 16-bit grey keeps its mode and full values
        ByteBuffer be = ByteBuffer.allocate(2 * w * h);
        for (int i = 0; i < w * h; i++) be.putShort((short) (i * 7));
        PillowImage sub16 = decoder.decode(TestImages.png(w, h, 16, 0, be.array(), null, null), "g16.png", 50, 30);
        assertEquals(PixelMode.I16, sub16.mode());
        assertEquals(50, sub16.width()); // kx = 2 from column 0
        assertEquals(31, sub16.height()); // ky = 2 from row 0: rows 0, 2, ..., 60
        assertEquals(((3 * 2 * w + 4 * 2) * 7) & 0xffff, sub16.sample(4, 3, 0));
    }

    @Test
    void imagesUnderTwiceTheMinimumDecodeExactly() {
        byte[] png = TestImages.write(TestImages.gradient(100, 61, BufferedImage.TYPE_4BYTE_ABGR), "png");
        assertEquals(decoder.decode(png, "full.png"), decoder.decode(png, "min.png", 51, 31));
        byte[] jpg = TestImages.write(TestImages.gradient(100, 61, BufferedImage.TYPE_3BYTE_BGR), "jpeg");
        assertEquals(decoder.decode(jpg, "full.jpg"), decoder.decode(jpg, "min.jpg", 51, 31));
        // one side large enough: only that side is subsampled
        PillowImage wide = decoder.decode(png, "wide.png", 50, 31);
        assertEquals(50, wide.width());
        assertEquals(61, wide.height());
    }

    @Test
    void theDecodedBytesLimitAppliesToTheSubsampledSize() {
        // 2000x2000 16-bit RGBA: 48 MB decoded in full, 3 MB when subsampled by 4
        byte[] png = LargePng.rgba16(2000, 2000);
        ImageDecoder budget = new ImageDecoder(ImageDecoder.DEFAULT_MAX_PIXELS, 8_000_000);
        ImageTooLargeException e = assertThrows(ImageTooLargeException.class, () -> budget.decode(png, "big.png"));
        assertTrue(e.getMessage().contains("needs 48000000 bytes"), e.getMessage());
        PillowImage small = budget.decode(png, "big.png", 500, 500);
        assertEquals(PixelMode.RGBA, small.mode());
        assertEquals(500, small.width());
        assertEquals(500, small.height());
        // column 1 + 4·10 of row 1: the ramp's high byte, opaque
        assertEquals(((1 + 4 * 10) * 65535 / 2000) >>> 8, small.sample(10, 0, 0));
        assertEquals(255, small.sample(10, 0, 3));
    }

    @Test
    void emptyAndUnknownInputIsRejected() {
        assertMessage(() -> decoder.decode(new byte[0], "empty.png"), "empty.png", "empty");
        assertMessage(() -> decoder.decode(null, "null"), "null", "empty");
        assertMessage(() -> decoder.decode("hello, world".getBytes(StandardCharsets.US_ASCII), "text.png"), "text.png", "unsupported image format");
        assertMessage(() -> decoder.decode("GIF89a....".getBytes(StandardCharsets.US_ASCII), "anim.gif"), "anim.gif", "expected PNG, JPEG or BMP");
        java.nio.file.Path missing = java.nio.file.Path.of("no-such-dir", "missing.png");
        assertMessage(() -> decoder.decode(missing), missing.toString(), "cannot read image file");
    }

    @Test
    void truncatedImagesAreRejected() {
        byte[] png = TestImages.write(TestImages.gradient(40, 30, BufferedImage.TYPE_3BYTE_BGR), "png");
        for (int cut : new int[] {8, 20, 33, png.length / 2, png.length * 3 / 4}) {
            assertMessage(() -> decoder.decode(Arrays.copyOf(png, cut), "cut.png"), "cut.png", "PNG");
        }
        byte[] jpg = TestImages.write(TestImages.gradient(40, 30, BufferedImage.TYPE_3BYTE_BGR), "jpeg");
        for (int cut : new int[] {3, 30, jpg.length / 2, jpg.length - 10}) {
            assertMessage(() -> decoder.decode(Arrays.copyOf(jpg, cut), "cut.jpg"), "cut.jpg", "JPEG");
        }
        byte[] bmp = TestImages.write(TestImages.gradient(40, 30, BufferedImage.TYPE_3BYTE_BGR), "bmp");
        for (int cut : new int[] {2, 20, bmp.length / 2}) {
            assertMessage(() -> decoder.decode(Arrays.copyOf(bmp, cut), "cut.bmp"), "cut.bmp", "BMP");
        }
    }

    @Test
    void corruptImagesAreRejected() {
        byte[] png = TestImages.write(TestImages.gradient(40, 30, BufferedImage.TYPE_3BYTE_BGR), "png");
        byte[] badData = png.clone();
        for (int i = 60; i < 80; i++) badData[i] ^= 0x5a; // inside the compressed IDAT stream
        assertMessage(() -> decoder.decode(badData, "bad.png"), "bad.png", "PNG");
        byte[] badIhdr = png.clone();
        badIhdr[12] = 'X'; // first chunk no longer IHDR
        assertMessage(() -> decoder.decode(badIhdr, "bad-ihdr.png"), "bad-ihdr.png", "IHDR");
        byte[] badDepth = TestImages.png(1, 1, 8, 2, new byte[3], null, null);
        badDepth[24] = 5; // bit depth 5
        assertMessage(() -> decoder.decode(badDepth, "depth.png"), "depth.png", "bit depth 5");

        byte[] jpg = new byte[64];
        jpg[0] = (byte) 0xFF;
        jpg[1] = (byte) 0xD8;
        jpg[2] = (byte) 0xFF;
        for (int i = 3; i < jpg.length; i++) jpg[i] = (byte) (i * 37);
        assertMessage(() -> decoder.decode(jpg, "noise.jpg"), "noise.jpg", "JPEG");
    }

    private static void assertMessage(org.junit.jupiter.api.function.Executable call, String source, String fragment) {
        ImageDecodeException e = assertThrows(ImageDecodeException.class, call);
        assertTrue(e.getMessage().startsWith(source + ":") && e.getMessage().contains(fragment),
                "message should name " + source + " and mention '" + fragment + "': " + e.getMessage());
    }

    @Test
    void anUnsupportedUploadIsRefusedWithoutQuotingItsBytes() {
        byte[] secret = "password=hunter2\n".getBytes(StandardCharsets.US_ASCII);
        ImageDecodeException e = assertThrows(ImageDecodeException.class, () -> new ImageDecoder().decode(secret, "upload"));
        assertTrue(e.getMessage().contains("unsupported image format"), e.getMessage());
        assertTrue(!e.getMessage().contains("70 61 73 73") && !e.getMessage().contains("password"), "no bytes quoted: " + e.getMessage());
    }
}
