package dev.anomalyedge.image;

import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;
import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PreprocessorTest {
    private static final int S = 28;
    private final Preprocessor pre = new Preprocessor(S);
    private final ImageDecoder decoder = new ImageDecoder();

    @Test
    void everyInputKindGivesANormalisedChwTensor() {
        byte[] grey16 = ByteBuffer.allocate(2 * 10 * 6).array();
        byte[][] files = {
                TestImages.write(TestImages.gradient(40, 30, BufferedImage.TYPE_BYTE_GRAY), "png"),
                TestImages.write(TestImages.gradient(40, 30, BufferedImage.TYPE_3BYTE_BGR), "png"),
                TestImages.write(TestImages.gradient(40, 30, BufferedImage.TYPE_4BYTE_ABGR), "png"),
                TestImages.png(3, 2, 8, 3, new byte[] {0, 1, 2, 2, 1, 0}, new byte[] {(byte) 255, 0, 0, 0, (byte) 255, 0, 0, 0, (byte) 255}, null),
                TestImages.png(10, 6, 16, 0, grey16, null, null),
                TestImages.write(TestImages.gradient(50, 20, BufferedImage.TYPE_3BYTE_BGR), "jpeg"),
                TestImages.write(TestImages.gradient(17, 33, BufferedImage.TYPE_3BYTE_BGR), "bmp"),
        };
        for (byte[] file : files) {
            PillowImage img = decoder.decode(file, "generated");
            float[] x = pre.image(img);
            assertEquals(3 * S * S, x.length, img.toString());
            for (int c = 0; c < 3; c++) {
                float lo = (0f - Preprocessor.OPENAI_MEAN[c]) / Preprocessor.OPENAI_STD[c];
                float hi = (1f - Preprocessor.OPENAI_MEAN[c]) / Preprocessor.OPENAI_STD[c];
                for (int i = 0; i < S * S; i++) {
                    float v = x[c * S * S + i];
                    assertTrue(v >= lo && v <= hi, img + " channel " + c + " value " + v + " outside [" + lo + ", " + hi + "]");
                }
            }
        }
    }

    @Test
    void normalisationIsFloat32LikeTorchvision() {
        // a 1x1 image of (0, 128, 255) upsampled stays constant; each value is (v/255f − mean)/std in float32
        PillowImage px = PillowImage.of(PixelMode.RGB, 1, 1, new byte[] {0, (byte) 128, (byte) 255});
        float[] x = pre.image(px);
        int[] v = {0, 128, 255};
        for (int c = 0; c < 3; c++) {
            float expected = (v[c] / 255f - Preprocessor.OPENAI_MEAN[c]) / Preprocessor.OPENAI_STD[c];
            for (int i = 0; i < S * S; i++) assertEquals(expected, x[c * S * S + i], 0f);
        }
        assertEquals(-1.7922626f, x[0], 1e-6f); // (0 − 0.48145466) / 0.26862954
    }

    @Test
    void maskIsBinarisedBeforeAndAfterTheBilinearResize() {
        // any non-zero grey counts as defect; a single pixel at 1 in a 4x4 mask covers its quarter after upsampling
        byte[] m = new byte[16];
        m[5] = 1;
        PillowImage mask = PillowImage.of(PixelMode.L, 4, 4, m);
        Preprocessor p8 = new Preprocessor(8);
        float[] out = p8.mask(mask);
        assertEquals(64, out.length);
        float area = 0;
        for (float v : out) {
            assertTrue(v == 0f || v == 1f);
            area += v;
        }
        assertTrue(area >= 1 && area <= 9, "one source pixel becomes about a 2x2 block, got " + area);
        assertEquals(1f, out[2 * 8 + 2]);
        assertEquals(1f, out[3 * 8 + 3]);
        assertEquals(0f, out[0]);
        // RGB masks go through convert('L'); palette masks through their palette
        PillowImage rgbMask = PillowImage.of(PixelMode.RGB, 1, 1, new byte[] {0, 0, 3});
        assertArrayEquals(new float[] {0f, 0f, 0f, 0f}, new Preprocessor(2).mask(rgbMask)); // luma (3·7471 + 0x8000) >> 16 = 0
        PillowImage redMask = PillowImage.of(PixelMode.RGB, 1, 1, new byte[] {(byte) 255, 0, 0});
        assertArrayEquals(new float[] {1f, 1f, 1f, 1f}, new Preprocessor(2).mask(redMask));
        assertArrayEquals(new float[64], p8.normalMask());
    }

    @Test
    void badImageSizeIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> new Preprocessor(0));
    }

    @Test
    void theTensorOfTheResizedPictureIsTheImageTensor() {
        // callers that keep the resized picture (the service, for the heatmap) resize once and normalise it
        PillowImage img = decoder.decode(TestImages.write(TestImages.gradient(70, 45, BufferedImage.TYPE_4BYTE_ABGR), "png"), "rgba.png");
        PillowImage resized = pre.resizeRgb(img);
        assertArrayEquals(pre.image(img), pre.tensor(resized));
        assertThrows(IllegalArgumentException.class, () -> pre.tensor(img));
        assertThrows(IllegalArgumentException.class, () -> new Preprocessor(S + 1).tensor(resized));
    }
}
