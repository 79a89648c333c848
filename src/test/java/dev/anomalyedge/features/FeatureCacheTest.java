package dev.anomalyedge.features;

import dev.anomalyedge.tensor.Half;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FeatureCacheTest {
    @TempDir
    Path tmp;

    static FeatureCache.Entry entry(long seed, int k, int t, int e, float scale) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] image = new float[e];
        float[] patch = new float[k * t * e];
        for (int i = 0; i < e; i++) image[i] = (float) (r.nextGaussian() * scale);
        for (int i = 0; i < patch.length; i++) patch[i] = (float) (r.nextGaussian() * scale);
        return new FeatureCache.Entry(k, t, e, image, patch);
    }

    static String key(int i) {
        return FeatureCache.key("graph", "image-" + i, "pre");
    }

    @Test
    void roundTripsAsFloat16AndDecodesStraightIntoABatch() {
        FeatureCache c = FeatureCache.open(tmp, 1 << 20);
        FeatureCache.Entry a = entry(1, 2, 5, 4, 3f), b = entry(2, 2, 5, 4, 3f);
        c.put(key(1), a);
        c.put(key(2), b);
        FeatureCache.Entry back = c.get(key(1));
        for (int i = 0; i < a.patchFeatures().length; i++) {
            assertEquals(Half.round(a.patchFeatures()[i]), back.patchFeatures()[i], 0f, "value " + i + " is its float16 rounding");
            assertEquals(a.patchFeatures()[i], back.patchFeatures()[i], Math.abs(a.patchFeatures()[i]) * 0x1p-11f);
        }
        assertArrayEquals(FeatureCache.asStored(a).imageFeatures(), back.imageFeatures());
        assertEquals(2 * FeatureCache.entryBytes(2, 5, 4), c.stats().sizeBytes(), "two float16 entries");

        // batch of 2, image 1 = entry b: image [2, E], patch [K, 2, T, E]
        float[] image = new float[2 * 4];
        float[] patch = new float[2 * 2 * 5 * 4];
        assertTrue(c.copyInto(key(2), 1, 2, image, patch, 2, 5, 4));
        FeatureCache.Entry bs = FeatureCache.asStored(b);
        for (int k = 0; k < 2; k++) {
            for (int j = 0; j < 20; j++) assertEquals(bs.patchFeatures()[k * 20 + j], patch[(k * 2 + 1) * 20 + j]);
            for (int j = 0; j < 20; j++) assertEquals(0f, patch[(k * 2) * 20 + j], "image 0 untouched");
        }
        assertEquals(bs.imageFeatures()[3], image[4 + 3]);
        assertFalse(c.copyInto(key(3), 0, 2, image, patch, 2, 5, 4), "miss");
        assertEquals(2, c.stats().hits());
        assertEquals(1, c.stats().misses());
    }

    @Test
    void valuesBeyondFloat16AreKeptAsFloat32() {
        FeatureCache c = FeatureCache.open(tmp, 1 << 20);
        FeatureCache.Entry big = entry(3, 1, 2, 3, 1f);
        big.patchFeatures()[0] = 1e6f;
        c.put(key(1), big);
        assertArrayEquals(big.patchFeatures(), c.get(key(1)).patchFeatures());
    }

    @Test
    void keyChangesWithGraphImageAndPreprocessing() {
        String k = FeatureCache.key("g", "i", "p");
        assertEquals(64, k.length());
        assertEquals(k, FeatureCache.key("g", "i", "p"));
        assertNotEquals(k, FeatureCache.key("g2", "i", "p"));
        assertNotEquals(k, FeatureCache.key("g", "i2", "p"));
        assertNotEquals(k, FeatureCache.key("g", "i", "p2"));
        assertThrows(IllegalArgumentException.class, () -> FeatureCache.open(tmp, 1).get("../etc/passwd"));
    }

    @Test
    void staysWithinItsBoundByEvictingTheLeastRecentlyUsed() throws Exception {
        long one = FeatureCache.entryBytes(1, 10, 8);
        FeatureCache c = FeatureCache.open(tmp, 3 * one);
        for (int i = 0; i < 3; i++) {
            c.put(key(i), entry(i, 1, 10, 8, 1f));
            setAge(key(i), 100 - i); // entry 0 oldest
        }
        assertNotNull(c.get(key(0)));  // reading refreshes entry 0: entry 1 is now the oldest
        c.put(key(3), entry(3, 1, 10, 8, 1f));
        assertTrue(c.stats().sizeBytes() <= 3 * one, "size " + c.stats().sizeBytes());
        assertNull(c.get(key(1)), "least recently used entry evicted");
        assertNotNull(c.get(key(0)));
        assertNotNull(c.get(key(3)));
        assertEquals(1, c.stats().evictions());
        // reopening measures the directory and applies a smaller bound
        FeatureCache small = FeatureCache.open(tmp, one);
        assertTrue(small.stats().sizeBytes() <= one);
    }

    @Test
    void aCorruptEntryIsAMissAndIsRemoved() throws Exception {
        FeatureCache c = FeatureCache.open(tmp, 1 << 20);
        c.put(key(1), entry(1, 1, 4, 4, 1f));
        Path f = file(key(1));
        Files.write(f, new byte[] {'A', 'E', 'F', 'C', 9, 9});
        assertNull(c.get(key(1)));
        assertFalse(Files.exists(f));
    }

    private void setAge(String key, int secondsAgo) throws Exception {
        Files.setLastModifiedTime(file(key), FileTime.fromMillis(System.currentTimeMillis() - secondsAgo * 1000L));
    }

    private Path file(String key) throws Exception {
        try (Stream<Path> s = Files.walk(tmp)) {
            return s.filter(p -> p.getFileName().toString().equals(key + ".feat")).findFirst().orElseThrow();
        }
    }
}
