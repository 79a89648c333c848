package dev.anomalyedge.weights;

import dev.anomalyedge.tensor.DType;
import dev.anomalyedge.testing.Golden;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** torch.save zips: views by offset and stride, dtypes, navigation, and clear errors for broken files. */
class TorchZipCheckpointTest {
    @TempDir
    Path tmp;

    static final Path GOLDEN_PTH = Golden.caseDir("case3_p14_s98_1head").resolve("clip/clip_weights.pth");
    static final Path GOLDEN_PL = Golden.caseDir("case3_p14_s98_1head").resolve("prompt_learner/prompt_learner_init.pth");

    static TorchZipWriter.View view(String name, String type, String key, long storageNumel, long offset, long[] shape,
                                    long[] stride) {
        return new TorchZipWriter.View(name, type, key, storageNumel, offset, shape, stride);
    }

    static long[] l(long... v) { return v; }

    static byte[] f32(float... v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) b.putFloat(x);
        return b.array();
    }

    static byte[] shorts(int... v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (int x : v) b.putShort((short) x);
        return b.array();
    }

    static byte[] i64(long... v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (long x : v) b.putLong(x);
        return b.array();
    }

    private Path write(String fileName, List<TorchZipWriter.View> views, Map<String, byte[]> storages) throws IOException {
        Path f = tmp.resolve(fileName);
        TorchZipWriter.write(f, "any_root_name", TorchZipWriter.stateDictPickle(views, null), storages, Map.of());
        return f;
    }

    private static CheckpointException fails(Path file, Runnable read, String... expectedInMessage) {
        CheckpointException e = assertThrows(CheckpointException.class, read::run);
        assertTrue(e.getMessage().contains(file.toString()), "message names the file: " + e.getMessage());
        for (String s : expectedInMessage) {
            assertTrue(e.getMessage().contains(s), "message should contain '" + s + "': " + e.getMessage());
        }
        return e;
    }

    @Test
    void stridedViewsAreGatheredFromTheirStorage() throws IOException {
        // storage 0..5 is the row-major [2, 3] matrix m = [[0, 1, 2], [3, 4, 5]]
        Path f = write("views.pth", List.of(
                view("transposed", "FloatStorage", "0", 6, 0, l(3, 2), l(1, 3)),      // mᵀ
                view("column1", "FloatStorage", "0", 6, 1, l(2), l(3)),               // m[:, 1]
                view("row1", "FloatStorage", "0", 6, 3, l(3), l(1)),                  // m[1] (offset, contiguous)
                view("expanded", "FloatStorage", "0", 6, 3, l(2, 3), l(0, 1)),        // m[1] broadcast to 2 rows
                view("scalar", "FloatStorage", "0", 6, 5, l(), l())),                 // m[1, 2]
                Map.of("0", f32(0, 1, 2, 3, 4, 5)));
        StateDict sd = Checkpoints.read(f);
        assertEquals(List.of("transposed", "column1", "row1", "expanded", "scalar"), List.copyOf(sd.keys()));
        assertArrayEquals(new float[] {0, 3, 1, 4, 2, 5}, sd.floats("transposed", 3, 2));
        assertArrayEquals(new float[] {1, 4}, sd.floats("column1", 2));
        assertArrayEquals(new float[] {3, 4, 5}, sd.floats("row1", 3));
        assertArrayEquals(new float[] {3, 4, 5, 3, 4, 5}, sd.floats("expanded", 2, 3));
        assertArrayEquals(new float[] {5}, sd.floats("scalar"));
    }

    @Test
    void halfAndBfloat16WidenExactlyAndIntegersBecomeLongs() throws IOException {
        Path f = write("dtypes.pth", List.of(
                view("half", "HalfStorage", "h", 5, 0, l(5), l(1)),
                view("bf16", "BFloat16Storage", "b", 2, 0, l(2), l(1)),
                view("long", "LongStorage", "l", 2, 0, l(2), l(1)),
                view("int", "IntStorage", "i", 2, 0, l(2), l(1)),
                view("bool", "BoolStorage", "z", 2, 0, l(2), l(1))),
                Map.of("h", shorts(0x3c00, 0xc000, 0x7bff, 0x0001, 0x8000),
                        "b", shorts(0x3f80, 0xc0a0),
                        "l", i64(Long.MIN_VALUE, 70),
                        "i", ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(-7).putInt(1 << 30).array(),
                        "z", new byte[] {0, 1}));
        StateDict sd = TorchZipCheckpoint.read(f);
        // fp16: 1, -2, 65504 (max), 2^-24 (smallest subnormal), -0
        float[] half = sd.floats("half", 5);
        assertArrayEquals(new float[] {1f, -2f, 65504f, 0x1p-24f, -0f}, half);
        assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(half[4]), "sign of zero kept");
        assertEquals(DType.F16, sd.get("half").dtype());
        assertArrayEquals(new float[] {1f, -5f}, sd.floats("bf16", 2));
        assertArrayEquals(new long[] {Long.MIN_VALUE, 70}, sd.get("long").longs());
        assertArrayEquals(new long[] {-7, 1 << 30}, sd.get("int").longs());
        assertEquals(DType.I32, sd.get("int").dtype());
        assertArrayEquals(new long[] {0, 1}, sd.get("bool").longs());
    }

    @Test
    void nestedDictIsNavigable() throws IOException {
        Path f = tmp.resolve("epoch_15.pth");
        TorchZipWriter.write(f, "epoch_15", TorchZipWriter.stateDictPickle(List.of(
                view("ctx_pos", "FloatStorage", "0", 4, 0, l(1, 1, 2, 2), l(4, 4, 2, 1)),
                view("ctx_neg", "FloatStorage", "1", 4, 0, l(1, 1, 2, 2), l(4, 4, 2, 1))), "prompt_learner"),
                Map.of("0", f32(1, 2, 3, 4), "1", f32(5, 6, 7, 8)), Map.of());
        try (TorchZipCheckpoint c = TorchZipCheckpoint.open(f)) {
            Map<?, ?> top = assertInstanceOf(Map.class, c.root());
            assertEquals(List.of("prompt_learner"), List.copyOf(top.keySet()));
            assertTrue(c.isStateDict("prompt_learner"));
            assertTrue(!c.isStateDict());
            StoredTensor t = assertInstanceOf(StoredTensor.class, c.node("prompt_learner", "ctx_neg"));
            assertEquals("1", t.storageKey());
            assertArrayEquals(new float[] {5, 6, 7, 8}, c.stateDict("prompt_learner").floats("ctx_neg", 1, 1, 2, 2));
        }
        assertArrayEquals(new float[] {1, 2, 3, 4}, Checkpoints.readPromptLearner(f).floats("ctx_pos", 1, 1, 2, 2));
        fails(f, () -> TorchZipCheckpoint.read(f), "entry 'prompt_learner' holds a dict value", "flat state dict", "stateDict(\"key\"");
        fails(f, () -> TorchZipCheckpoint.read(f, "prompt_learner", "nope"), "no key 'prompt_learner/nope'", "ctx_pos");
    }

    @Test
    void storageTooSmallForTheView() throws IOException {
        Path f = write("small.pth", List.of(view("w", "FloatStorage", "0", 10, 0, l(4, 4), l(4, 1))),
                Map.of("0", f32(new float[10])));
        fails(f, () -> Checkpoints.read(f), "tensor 'w'", "needs 16 storage elements", "holds only 10");

        Path g = write("offset.pth", List.of(view("w", "FloatStorage", "0", 10, 8, l(3), l(1))),
                Map.of("0", f32(new float[10])));
        fails(g, () -> Checkpoints.read(g), "tensor 'w'", "needs 11 storage elements", "holds only 10", "offset 8");
    }

    @Test
    void absurdSizesAreRefusedBeforeAllocating() throws IOException {
        Path f = write("numel.pth", List.of(view("w", "FloatStorage", "0", 1L << 60, 0, l(4), l(1))),
                Map.of("0", f32(1, 2, 3, 4)));
        fails(f, () -> Checkpoints.read(f), "tensor 'w'", "holds 16 bytes", "declares " + (1L << 60) + " elements of F32");

        Path g = write("shape.pth", List.of(view("w", "FloatStorage", "0", 4, 0, l(1L << 31, 1L << 31), l(1L << 31, 1))),
                Map.of("0", f32(1, 2, 3, 4)));
        fails(g, () -> Checkpoints.read(g), "tensor 'w'", "holds only 4");

        Path h = write("overflow.pth", List.of(view("w", "FloatStorage", "0", 4, 0, l(1L << 40, 1L << 40), l(1L << 40, 1))),
                Map.of("0", f32(1, 2, 3, 4)));
        fails(h, () -> Checkpoints.read(h), "tensor 'w'", "impossible view");
    }

    @Test
    void unsupportedStorageType() throws IOException {
        Path f = write("complex.pth", List.of(view("w", "ComplexFloatStorage", "0", 1, 0, l(1), l(1))),
                Map.of("0", new byte[8]));
        fails(f, () -> Checkpoints.read(f), "data.pkl", "unsupported storage type 'torch.ComplexFloatStorage'", "HalfStorage");
    }

    @Test
    void bigEndianStoragesAreRefused() throws IOException {
        Path f = tmp.resolve("big.pth");
        TorchZipWriter.write(f, "big", TorchZipWriter.stateDictPickle(List.of(view("w", "FloatStorage", "0", 1, 0, l(1), l(1))), null),
                Map.of("0", f32(1)), Map.of("byteorder", "big".getBytes(StandardCharsets.US_ASCII)));
        fails(f, () -> Checkpoints.read(f), "byteorder", "'big'", "little-endian");
    }

    @Test
    void missingStorageEntry() throws IOException {
        String key;
        String tensor;
        try (TorchZipCheckpoint c = TorchZipCheckpoint.open(GOLDEN_PTH)) {
            Map<?, ?> sd = (Map<?, ?>) c.root();
            tensor = "visual.conv1.weight";
            key = ((StoredTensor) sd.get(tensor)).storageKey();
        }
        String entry = "clip_weights/data/" + key;
        Path f = ZipSurgery.copy(GOLDEN_PTH, tmp.resolve("missing.pth"), (name, b) -> name.equals(entry) ? null : b);
        fails(f, () -> Checkpoints.read(f), "tensor '" + tensor + "'", "'" + entry + "'", "missing");
    }

    @Test
    void storageEntryShorterThanTheDeclaredStorage() throws IOException {
        Path f = ZipSurgery.copy(GOLDEN_PTH, tmp.resolve("short.pth"),
                (name, b) -> name.equals("clip_weights/data/0") ? Arrays.copyOf(b, b.length / 2) : b);
        fails(f, () -> Checkpoints.read(f), "'clip_weights/data/0'", "holds", "declares", "elements of F16");
    }

    @Test
    void truncatedZip() throws IOException {
        byte[] all = Files.readAllBytes(GOLDEN_PTH);
        Path f = Files.write(tmp.resolve("truncated.pth"), Arrays.copyOf(all, all.length / 2));
        fails(f, () -> Checkpoints.read(f), "not a readable zip archive", "truncated");
    }

    @Test
    void truncatedOrCorruptPickle() throws IOException {
        Path f = ZipSurgery.copy(GOLDEN_PL, tmp.resolve("cut.pth"),
                (name, b) -> name.endsWith("/data.pkl") ? Arrays.copyOf(b, b.length / 2) : b);
        fails(f, () -> Checkpoints.readPromptLearner(f), "'prompt_learner_init/data.pkl'", "unpickle");

        // BINUNICODE claiming 2 GiB in a 12-byte pickle: refused instead of allocated
        byte[] hostile = {(byte) 0x80, 2, 'X', (byte) 0xf0, (byte) 0xff, (byte) 0xff, 0x7f, 'a', 'b', 'c', '.'};
        Path g = tmp.resolve("hostile.pth");
        TorchZipWriter.write(g, "hostile", hostile, Map.of(), Map.of());
        fails(g, () -> Checkpoints.read(g), "data.pkl", "declares 2147483632 bytes but only 4");

        // a stack underflow (SETITEMS without a dict)
        Path h = tmp.resolve("underflow.pth");
        TorchZipWriter.write(h, "x", new byte[] {(byte) 0x80, 2, 'u', '.'}, Map.of(), Map.of());
        fails(h, () -> Checkpoints.read(h), "data.pkl", "pickle");
    }

    @Test
    void zipWithoutDataPkl() throws IOException {
        Path f = tmp.resolve("other.zip");
        StoredZip.write(f, Map.of("readme.txt", "hello".getBytes(StandardCharsets.US_ASCII)));
        CheckpointException e = fails(f, () -> Checkpoints.read(f), "no '<root>/data.pkl'", "1 entries in all");
        assertTrue(!e.getMessage().contains("readme"), "entry names of a foreign zip are not listed: " + e.getMessage());
    }
}
