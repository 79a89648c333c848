package dev.anomalyedge.weights;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Small hostile files that expand into gigabytes, endless walks or endless recursion: each read ends in a
 * {@link CheckpointException} naming the file and the problem, within seconds and without filling the heap.
 */
class HostileCheckpointTest {
    @TempDir
    Path tmp;

    /** Reads {@code file}, which must fail within 10 s with a CheckpointException naming it and saying each of {@code expected}. */
    private static String fails(Path file, String... expected) {
        CheckpointException e = assertTimeoutPreemptively(Duration.ofSeconds(10),
                () -> assertThrows(CheckpointException.class, () -> Checkpoints.read(file)));
        String m = e.getMessage();
        assertTrue(m.contains(file.toString()), "message names the file: " + m);
        for (String s : expected) assertTrue(m.contains(s), "message should contain '" + s + "': " + m);
        assertTrue(m.length() < 1000, "one readable message, not a dump: " + m.length() + " characters");
        return m;
    }

    @Test
    void sharedSubModulesAreNotWalkedOncePerPath() throws IOException {
        // depth 20 expands to 2^20 tensor names, depth 60 to 2^60: both stop at the walk budget
        for (int depth : new int[] {20, 60}) {
            Path f = HostileFiles.sharedSubModules(tmp.resolve("shared" + depth + ".pt"), depth);
            assertTrue(Files.size(f) < 5000, "a small file: " + Files.size(f));
            fails(f, "module tree", "shared sub-modules");
        }
    }

    @Test
    void aFewSharedSubModulesReadLikeStateDictAndShareOneDecodedTensor() throws IOException {
        // like nn.Module.state_dict(), a shared sub-module appears under each of its names; its tensor is decoded once
        Path f = HostileFiles.sharedSubModules(tmp.resolve("shared2.pt"), 2);
        StateDict sd = Checkpoints.read(f);
        assertEquals(List.of("a.a.weight", "a.b.weight", "b.a.weight", "b.b.weight"), List.copyOf(sd.keys()));
        for (String k : sd.keys()) assertSame(sd.get("a.a.weight"), sd.get(k), k);
    }

    @Test
    void aModuleThatContainsItselfIsACycle() throws IOException {
        Path f = HostileFiles.cyclicModule(tmp.resolve("cyclic.pt"));
        fails(f, "'loop'", "contains itself");
    }

    @Test
    void safetensorsEntriesAliasingOneByteRangeAreRefused() throws IOException {
        Path f = HostileFiles.aliasedSafetensors(tmp.resolve("aliased.safetensors"), 200, 4096);
        fails(f, "'alias_0'", "'alias_1'", "overlap");
    }

    @Test
    void aDeflatedStorageIsBoundedBeforeItIsInflated() throws IOException {
        // 128 MiB of zeros deflate to ~130 KiB, inside the 1100:1 plausibility ratio of deflate
        Path whole = HostileFiles.deflatedStorage(tmp.resolve("whole.pth"), 128L << 20, 32L << 20);
        assertTrue(Files.size(whole) < (1 << 20), "a small file: " + Files.size(whole));
        fails(whole, "tensor 'w'", "128.0 MiB", "corrupt or hostile");
        // a one-element view of it: the tensor is small, the storage is refused before it is inflated
        Path view = HostileFiles.deflatedStorage(tmp.resolve("view.pth"), 128L << 20, 1);
        fails(view, "storage entry 'bomb/data/0'", "128.0 MiB", "corrupt or hostile");
    }

    @Test
    void aCyclicPersistentIdIsAnErrorNotAStackOverflow() throws IOException {
        Path f = HostileFiles.cyclicPersistentId(tmp.resolve("cyclic.pth"));
        assertTrue(Files.size(f) < 1000, "a small file: " + Files.size(f));
        fails(f, "data.pkl", "persistent id");
    }

    @Test
    void cyclicValuesThatJavaWouldHashForeverAreErrors() throws IOException {
        byte[] cyclicList = {']', 'q', 0, 'h', 0, 'a'}; // a = []; a.append(a)
        // as a dict key: unhashable, as in Python
        Path key = pickleZip("key.pth", concat(new byte[] {(byte) 0x80, 2, '}'}, concat(cyclicList, new byte[] {'N', 's', '.'})), Map.of());
        fails(key, "data.pkl", "unhashable dict key of type list");
        // as a set element (Pyrolite builds a HashSet): stopped by the last line of defence
        Path set = pickleZip("set.pth", concat(new byte[] {(byte) 0x80, 4, (byte) 0x8f, '('}, concat(cyclicList, new byte[] {(byte) 0x90, '.'})), Map.of());
        fails(set, "data.pkl", "nested too deeply or cyclic");
    }

    @Test
    void theBudgetFollowsTheHeapWhenTheHeapIsTheLimit() {
        Path f = tmp.resolve("big.safetensors");
        ReadBudget budget = new ReadBudget(f, 1L << 30, 256L << 20); // a 1 GiB file, a 256 MiB heap
        assertEquals(192L << 20, budget.limit());
        budget.charge(100L << 20, "the first tensors");
        CheckpointException e = assertThrows(CheckpointException.class, () -> budget.charge(100L << 20, "tensor 'x'"));
        assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("tensor 'x'")
                && e.getMessage().contains("-Xmx"), e.getMessage());
        assertEquals(100L << 20, budget.used(), "a refused charge is not counted");

        ReadBudget small = new ReadBudget(f, 1000, 8L << 30); // a tiny file: the floor applies
        assertEquals(ReadBudget.FLOOR_MIB << 20, small.limit());
        ReadBudget large = new ReadBudget(f, 1L << 30, 64L << 30);
        assertEquals(16L << 30, large.limit(), "16x the file size");
    }

    /** Stands for a password hash or key that ended up where a checkpoint was expected. */
    private static final String SECRET = "Hunter2SecretHash";

    private Path file(String name, byte[] bytes) throws IOException {
        return Files.write(tmp.resolve(name), bytes);
    }

    private Path file(String name, String text) throws IOException {
        return file(name, text.getBytes(StandardCharsets.UTF_8));
    }

    /** A safetensors file with this header text and {@code dataBytes} zero bytes of data. */
    private Path safetensors(String name, String header, int dataBytes) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        return file(name, ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(h.length).put(h).array());
    }

    /** A torch.save zip holding this data.pkl (and the given extra entries). */
    private Path pickleZip(String name, byte[] pickle, Map<String, byte[]> extra) throws IOException {
        Path f = tmp.resolve(name);
        TorchZipWriter.write(f, "archive", pickle, Map.of(), extra);
        return f;
    }

    @Test
    void errorsNameTheFileAndFormatButNeverQuoteItsContent() throws IOException {
        byte[] proto2 = {(byte) 0x80, 2};
        List<Path> hostile = List.of(
                file("id_rsa", "-----BEGIN OPENSSH PRIVATE KEY-----\n" + SECRET + "\n"),
                file("password.safetensors", "password{" + SECRET + "}"), // byte 8 is '{': read as safetensors
                safetensors("json.safetensors", "{\"" + SECRET + "\" " + SECRET + "}", 0),
                safetensors("entry.safetensors", "{\"w\": \"" + SECRET + "\"}", 0),
                safetensors("dtype.safetensors", "{\"w\": {\"dtype\": \"" + SECRET + "\", \"shape\": [1], \"data_offsets\": [0, 4]}}", 4),
                safetensors("shape.safetensors", "{\"w\": {\"dtype\": \"F32\", \"shape\": [\"" + SECRET + "\"], \"data_offsets\": [0, 4]}}", 4),
                // persistent id ('SECRET',)
                pickleZip("pid.pth", new PickleWriter().op(0x80).op(2).string(SECRET).op(0x85).op('Q').op('.').toByteArray(), Map.of()),
                // INT opcode with non-digits, and a STRING opcode with a bad escape: Pyrolite's messages quote both
                pickleZip("int.pth", concat(proto2, ("I" + SECRET + "\n.").getBytes(StandardCharsets.US_ASCII)), Map.of()),
                pickleZip("string.pth", concat(proto2, ("S'\\q" + SECRET + "'\n.").getBytes(StandardCharsets.US_ASCII)), Map.of()),
                // storage numel is a str
                pickleZip("numel.pth", new PickleWriter().op(0x80).op(2).op('(').string("storage").global("torch", "FloatStorage")
                        .string("0").string("cpu").string(SECRET).op('t').op('Q').op('.').toByteArray(), Map.of()),
                pickleZip("byteorder.pth", proto2, Map.of("byteorder", SECRET.getBytes(StandardCharsets.US_ASCII))));
        for (Path f : hostile) {
            String m = fails(f);
            assertTrue(!m.contains(SECRET), "the message quotes the file: " + m);
        }
        // neither the bytes in hex nor the first 8 bytes as a number ("password" as a little-endian header length)
        String m = fails(hostile.get(0), "not a checkpoint in a known format", "safetensors", "TorchScript");
        assertTrue(!m.contains("2d 2d 2d"), m);
        m = fails(hostile.get(1), "not a safetensors file", "header length");
        long asLength = ByteBuffer.wrap("password".getBytes(StandardCharsets.US_ASCII)).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertTrue(!m.contains(Long.toString(asLength)), m);
        fails(hostile.get(2), "not valid JSON", "line 1");

        // a zip that is no checkpoint: its entry names are not listed either
        Path zip = tmp.resolve("other.zip");
        StoredZip.write(zip, Map.of(SECRET + ".txt", new byte[] {1}));
        m = fails(zip, "no '<root>/data.pkl'");
        assertTrue(!m.contains(SECRET), m);
    }

    @Test
    void hostileNamesAreShortenedAndMadePrintable() {
        String quoted = Names.quote("evil\nWARN forged log line" + "x".repeat(1000));
        assertTrue(quoted.startsWith("'evil?WARN forged log line") && quoted.endsWith("… (1025 characters)"), quoted);
        assertTrue(quoted.length() < Names.MAX_CHARS + 30, quoted);
        assertEquals("<list>", Names.quote(List.of(SECRET)));
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
