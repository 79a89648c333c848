package dev.anomalyedge.features;

import dev.anomalyedge.util.Digests;

import dev.anomalyedge.tensor.Half;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.logging.Logger;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A bounded on-disk cache of the frozen visual features of single images, so that the vision tower runs once per image
 * and the features are reused across epochs and runs.
 *
 * <p><b>Key.</b> {@link #key}: SHA-256 of (the feature graph's content hash, the image file's SHA-256, a description
 * of the preprocessing). Any change to the graph (CLIP weights, image size, taps, DPAM blocks), to the image bytes or
 * to the preprocessing gives a new key; nothing is ever served stale.
 *
 * <p><b>Entry file</b> {@code <dir>/<key[0..2]>/<key>.feat}, little-endian:
 * <pre>
 * "AEFC" | version i32 (1) | dtype i32 (1 = float16, 2 = float32) | K i32 | T i32 | E i32
 * image features [E] | patch features [K, T, E]                  (not normalised, as the engine returns them)
 * </pre>
 * Values are stored as float16 (round to nearest even), halving the size; an entry with a value outside the float16
 * range (|v| &gt; 65504) is stored as float32 instead. float16 keeps 11 significant bits, a relative error of at most
 * 2⁻¹¹ ≈ 4.9e-4 per value. Entries are written to a temporary file and moved into place atomically, so a reader never
 * sees a partial entry; they are read through a read-only memory mapping and decoded straight into the caller's batch.
 *
 * <p><b>Bound.</b> After each write the cache deletes least-recently-used entries (by file modification time, which a
 * read refreshes) until its total size is at most {@code maxBytes}. A corrupt or truncated entry is treated as a miss
 * and deleted. Several processes may share a directory (writes are atomic, a vanished entry is a miss).
 */
public final class FeatureCache {
    private static final Logger LOG = Logger.getLogger(FeatureCache.class.getName());
    private static final byte[] MAGIC = "AEFC".getBytes(StandardCharsets.US_ASCII);
    private static final int VERSION = 1;
    private static final int F16 = 1, F32 = 2;
    static final int HEADER_BYTES = 24;
    private static final Pattern KEY = Pattern.compile("[0-9a-f]{64}");
    private static final String SUFFIX = ".feat";

    private final Path dir;
    private final long maxBytes;
    private long sizeBytes;
    private long hits, misses, evictions;

    /** The features of one image: image [E] and patch [K, T, E], float32. */
    public record Entry(int taps, int tokens, int embedDim, float[] imageFeatures, float[] patchFeatures) {
        public Entry {
            if (imageFeatures.length != embedDim || patchFeatures.length != (long) taps * tokens * embedDim) {
                throw new IllegalArgumentException("feature entry [K=" + taps + ", T=" + tokens + ", E=" + embedDim
                        + "] does not match " + imageFeatures.length + " image and " + patchFeatures.length + " patch values");
            }
        }
    }

    /** Counters since the cache was opened. */
    public record Stats(long hits, long misses, long evictions, long sizeBytes, long maxBytes) {}

    private FeatureCache(Path dir, long maxBytes, long sizeBytes) {
        this.dir = dir;
        this.maxBytes = maxBytes;
        this.sizeBytes = sizeBytes;
    }

    /** Opens (creating if needed) a cache directory holding at most {@code maxBytes} of entries. */
    public static FeatureCache open(Path dir, long maxBytes) {
        if (maxBytes < 0) throw new IllegalArgumentException("cache bound must be >= 0 bytes, got " + maxBytes);
        Path d = dir.toAbsolutePath().normalize();
        try {
            Files.createDirectories(d);
            long size = 0;
            for (Path f : entries(d)) size += sizeOf(f);
            FeatureCache c = new FeatureCache(d, maxBytes, size);
            c.evict();
            return c;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the feature cache " + d + ": " + e.getMessage(), e);
        }
    }

    public Path dir() { return dir; }

    public long maxBytes() { return maxBytes; }

    public synchronized Stats stats() {
        return new Stats(hits, misses, evictions, sizeBytes, maxBytes);
    }

    /** Bytes an entry of this size takes on disk when stored as float16. */
    public static long entryBytes(int taps, int tokens, int embedDim) {
        return HEADER_BYTES + 2L * embedDim * (1L + (long) taps * tokens);
    }

    /**
     * The cache key: SHA-256 over the graph's content hash, the image file's SHA-256 and the preprocessing
     * description, each followed by a newline.
     */
    public static String key(String graphSha256, String imageSha256, String preprocessing) {
        return Digests.sha256Lines(graphSha256, imageSha256, preprocessing);
    }

    /** Whether an entry file exists for {@code key} (not read; a corrupt entry still counts as a miss when read). */
    public boolean contains(String key) {
        return Files.isRegularFile(file(key));
    }

    /** The entry as float32 arrays, or null on a miss. */
    public Entry get(String key) {
        Entry[] out = new Entry[1];
        boolean hit = read(key, (k, t, e, buf, f16) -> {
            float[] image = new float[e];
            float[] patch = new float[k * t * e];
            decode(buf, f16, image, 0, e);
            decode(buf, f16, patch, 0, patch.length);
            out[0] = new Entry(k, t, e, image, patch);
        });
        return hit ? out[0] : null;
    }

    /**
     * Decodes entry {@code key} straight into image {@code b} of a batch: {@code imageDst} [B, E] and
     * {@code patchDst} [K, B, T, E]. Returns false on a miss (nothing written). The entry's K, T, E must match.
     */
    public boolean copyInto(String key, int b, int batch, float[] imageDst, float[] patchDst, int taps, int tokens, int embedDim) {
        return read(key, (k, t, e, buf, f16) -> {
            if (k != taps || t != tokens || e != embedDim) {
                throw new CorruptEntry("entry is [K=" + k + ", T=" + t + ", E=" + e + "], expected [" + taps + ", " + tokens + ", " + embedDim + "]");
            }
            decode(buf, f16, imageDst, b * e, e);
            int plane = t * e;
            for (int i = 0; i < k; i++) decode(buf, f16, patchDst, (i * batch + b) * plane, plane);
        });
    }

    private interface EntryReader {
        void read(int taps, int tokens, int embedDim, ByteBuffer values, boolean f16);
    }

    private static final class CorruptEntry extends RuntimeException {
        CorruptEntry(String message) { super(message); }
    }

    private boolean read(String key, EntryReader reader) {
        Path f = file(key);
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < HEADER_BYTES) throw new CorruptEntry("shorter than its header (" + size + " bytes)");
            MappedByteBuffer map = ch.map(FileChannel.MapMode.READ_ONLY, 0, size);
            map.order(ByteOrder.LITTLE_ENDIAN);
            byte[] magic = new byte[4];
            map.get(magic);
            int version = map.getInt(), dtype = map.getInt(), k = map.getInt(), t = map.getInt(), e = map.getInt();
            if (!java.util.Arrays.equals(magic, MAGIC) || version != VERSION || (dtype != F16 && dtype != F32)
                    || k < 1 || t < 1 || e < 1) {
                throw new CorruptEntry("bad header");
            }
            long expected = HEADER_BYTES + (dtype == F16 ? 2L : 4L) * e * (1L + (long) k * t);
            if (size != expected) throw new CorruptEntry(size + " bytes, expected " + expected);
            reader.read(k, t, e, map, dtype == F16);
            touch(f);
            synchronized (this) { hits++; }
            return true;
        } catch (NoSuchFileException e) {
            synchronized (this) { misses++; }
            return false;
        } catch (CorruptEntry e) {
            LOG.warning("feature cache entry " + f + " is unusable (" + e.getMessage() + "); recomputing it");
            remove(f);
            synchronized (this) { misses++; }
            return false;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read feature cache entry " + f + ": " + e.getMessage(), e);
        }
    }

    /** Stores an entry (replacing any), then evicts least-recently-used entries beyond the bound. */
    public void put(String key, Entry entry) {
        Path f = file(key);
        boolean f16 = fitsHalf(entry.imageFeatures()) && fitsHalf(entry.patchFeatures());
        int bytesPer = f16 ? 2 : 4;
        long values = entry.imageFeatures().length + (long) entry.patchFeatures().length;
        long total = HEADER_BYTES + bytesPer * values;
        try {
            Files.createDirectories(f.getParent());
            Path tmp = Files.createTempFile(f.getParent(), key.substring(0, 8), ".tmp");
            try {
                try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                    ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
                    header.put(MAGIC).putInt(VERSION).putInt(f16 ? F16 : F32).putInt(entry.taps()).putInt(entry.tokens())
                            .putInt(entry.embedDim()).flip();
                    while (header.hasRemaining()) ch.write(header);
                    write(ch, entry.imageFeatures(), f16);
                    write(ch, entry.patchFeatures(), f16);
                }
                long previous = Files.exists(f) ? sizeOf(f) : 0;
                move(tmp, f);
                synchronized (this) { sizeBytes += total - previous; }
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write feature cache entry " + f + ": " + e.getMessage(), e);
        }
        evict();
    }

    private static void write(FileChannel ch, float[] values, boolean f16) throws IOException {
        int chunk = 1 << 16;
        ByteBuffer buf = ByteBuffer.allocate(chunk * (f16 ? 2 : 4)).order(ByteOrder.LITTLE_ENDIAN);
        for (int from = 0; from < values.length; from += chunk) {
            buf.clear();
            int n = Math.min(chunk, values.length - from);
            for (int i = 0; i < n; i++) {
                if (f16) buf.putShort(Half.fromFloat(values[from + i]));
                else buf.putFloat(values[from + i]);
            }
            buf.flip();
            while (buf.hasRemaining()) ch.write(buf);
        }
    }

    private static void decode(ByteBuffer src, boolean f16, float[] dst, int offset, int count) {
        if (f16) {
            for (int i = 0; i < count; i++) dst[offset + i] = Half.toFloat(src.getShort());
        } else {
            for (int i = 0; i < count; i++) dst[offset + i] = src.getFloat();
        }
    }

    /** The values a reader of {@code entry} gets back: rounded to float16 unless a value is outside its range. */
    public static Entry asStored(Entry entry) {
        if (!fitsHalf(entry.imageFeatures()) || !fitsHalf(entry.patchFeatures())) return entry;
        return new Entry(entry.taps(), entry.tokens(), entry.embedDim(), roundHalf(entry.imageFeatures()),
                roundHalf(entry.patchFeatures()));
    }

    private static float[] roundHalf(float[] v) {
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) out[i] = Half.round(v[i]);
        return out;
    }

    private static boolean fitsHalf(float[] v) {
        for (float x : v) {
            if (!(Math.abs(x) <= 65504f)) return false; // also false for NaN
        }
        return true;
    }

    /** Deletes least-recently-used entries until the total size is within the bound. */
    private synchronized void evict() {
        if (sizeBytes <= maxBytes) return;
        try {
            List<Path> all = new ArrayList<>(entries(dir));
            long total = 0;
            List<long[]> times = new ArrayList<>();
            for (int i = 0; i < all.size(); i++) {
                long size = sizeOf(all.get(i));
                total += size;
                times.add(new long[] {modified(all.get(i)), i, size});
            }
            sizeBytes = total; // resynchronise with the directory (other processes may share it)
            times.sort(Comparator.<long[]>comparingLong(t -> t[0]).thenComparingLong(t -> t[1]));
            for (long[] t : times) {
                if (sizeBytes <= maxBytes) break;
                remove(all.get((int) t[1]));
                evictions++;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot bound the feature cache " + dir + ": " + e.getMessage(), e);
        }
    }

    private void remove(Path f) {
        try {
            long size = sizeOf(f);
            if (Files.deleteIfExists(f)) {
                synchronized (this) { sizeBytes -= size; }
            }
        } catch (IOException e) {
            LOG.warning("cannot delete feature cache entry " + f + ": " + e.getMessage());
        }
    }

    private Path file(String key) {
        if (!KEY.matcher(key).matches()) throw new IllegalArgumentException("feature cache key must be 64 hex digits, got '" + key + "'");
        return dir.resolve(key.substring(0, 2)).resolve(key + SUFFIX);
    }

    private static List<Path> entries(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir, 2)) {
            return s.filter(p -> p.getFileName().toString().endsWith(SUFFIX) && Files.isRegularFile(p)).toList();
        }
    }

    private static long sizeOf(Path f) throws IOException {
        try {
            return Files.size(f);
        } catch (NoSuchFileException e) {
            return 0;
        }
    }

    private static long modified(Path f) throws IOException {
        try {
            return Files.getLastModifiedTime(f).toMillis();
        } catch (NoSuchFileException e) {
            return Long.MIN_VALUE;
        }
    }

    private static void touch(Path f) {
        try {
            Files.setLastModifiedTime(f, FileTime.fromMillis(System.currentTimeMillis()));
        } catch (IOException e) {
            // a vanished or read-only entry stays usable; LRU order just does not advance
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
