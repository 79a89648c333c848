package dev.anomalyedge.weights;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Test helper: small generators of hostile checkpoint files (each a few KiB, written in milliseconds) that expand
 * into gigabytes, endless walks or endless recursion when read naively. Public for the CLI tests.
 */
public final class HostileFiles {
    private HostileFiles() {}

    /**
     * A TorchScript archive whose module tree is a chain of {@code depth} modules, each holding the one below
     * twice (attributes {@code a} and {@code b}, the same object through the pickle memo), over one leaf module with
     * a 4-element tensor: 2^depth paths to the leaf in a file of ~50 bytes per level.
     */
    public static Path sharedSubModules(Path file, int depth) throws IOException {
        if (depth < 0 || depth > 250) throw new IllegalArgumentException("depth 0..250 (one-byte memo indices)");
        PickleWriter w = new PickleWriter().op(0x80).op(2);
        module(w, "Leaf", 0).string("training").op(0x88).string("weight");
        tensor(w, "0", 4, 4);
        w.op('u').op('b'); // SETITEMS, BUILD
        for (int level = 1; level <= depth; level++) {
            module(w, "Node", level).string("training").op(0x88)
                    .string("a").op('h').op(level - 1).string("b").op('h').op(level - 1) // BINGET the level below, twice
                    .op('u').op('b');
        }
        w.op('.');
        return torchScript(file, w.toByteArray(), Map.of("0", new byte[16]));
    }

    /** A TorchScript archive whose root module holds itself as a sub-module ({@code self.loop = self}). */
    public static Path cyclicModule(Path file) throws IOException {
        PickleWriter w = new PickleWriter().op(0x80).op(2);
        module(w, "Loop", 0).string("training").op(0x88).string("loop").op('h').op(0).op('u').op('b').op('.');
        return torchScript(file, w.toByteArray(), Map.of());
    }

    /** A safetensors file of {@code entries} F32 tensors that all alias the same {@code bytesPerEntry} bytes. */
    public static Path aliasedSafetensors(Path file, int entries, int bytesPerEntry) throws IOException {
        StringBuilder header = new StringBuilder("{");
        for (int i = 0; i < entries; i++) {
            if (i > 0) header.append(',');
            header.append("\"alias_").append(i).append("\":{\"dtype\":\"F32\",\"shape\":[").append(bytesPerEntry / 4)
                    .append("],\"data_offsets\":[0,").append(bytesPerEntry / 4 * 4).append("]}");
        }
        byte[] h = header.append('}').toString().getBytes(StandardCharsets.US_ASCII);
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).array());
            out.write(h);
            out.write(new byte[bytesPerEntry]);
        }
        return file;
    }

    /**
     * A torch.save checkpoint whose one F32 storage of {@code storageBytes} zero bytes is deflated (about 1000:1),
     * as a flat state dict {@code {"w": tensor}} whose view is the storage's first {@code viewElements} elements.
     */
    public static Path deflatedStorage(Path file, long storageBytes, long viewElements) throws IOException {
        PickleWriter w = new PickleWriter().op(0x80).op(2).op('}').string("w");
        tensor(w, "0", storageBytes / 4, viewElements);
        byte[] pickle = w.op('s').op('.').toByteArray();
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(file))) {
            zip.setLevel(Deflater.BEST_COMPRESSION);
            zip.putNextEntry(new ZipEntry("bomb/data.pkl"));
            zip.write(pickle);
            zip.putNextEntry(new ZipEntry("bomb/data/0"));
            byte[] zeros = new byte[1 << 20];
            for (long left = storageBytes; left > 0; left -= zeros.length) zip.write(zeros, 0, (int) Math.min(left, zeros.length));
            zip.putNextEntry(new ZipEntry("bomb/version"));
            zip.write("3\n".getBytes(StandardCharsets.US_ASCII));
        }
        return file;
    }

    /** A torch.save zip whose data.pkl loads a persistent id that is a cyclic list: a = [b], b = [a]. */
    public static Path cyclicPersistentId(Path file) throws IOException {
        byte[] pickle = new PickleWriter().op(0x80).op(2)
                .op(']').op('q').op(0)            // a = [], memo 0
                .op(']').op('q').op(1)            // b = [], memo 1
                .op('h').op(0).op('a')            // b.append(a)
                .op('a')                          // a.append(b)
                .op('Q').op('.')                  // BINPERSID a, STOP
                .toByteArray();
        TorchZipWriter.write(file, "cyclic", pickle, Map.of(), Map.of());
        return file;
    }

    /** GLOBAL {@code __torch__.<name>}, empty args, NEWOBJ, BINPUT {@code memo}, then EMPTY_DICT and MARK for its attributes. */
    private static PickleWriter module(PickleWriter w, String name, int memo) {
        return w.global("__torch__", name).op(')').op(0x81).op('q').op(memo).op('}').op('(');
    }

    /** {@code _rebuild_tensor_v2(storage <key> of storageNumel floats, offset 0, size (numel,), stride (1,), False, {})}. */
    private static void tensor(PickleWriter w, String key, long storageNumel, long numel) {
        w.global("torch._utils", "_rebuild_tensor_v2").op('(');
        w.op('(').string("storage").global("torch", "FloatStorage").string(key).string("cpu").integer(storageNumel).op('t').op('Q');
        w.integer(0).tuple(new long[] {numel}).tuple(new long[] {1}).op(0x89).op('}').op('t').op('R');
    }

    private static Path torchScript(Path file, byte[] dataPkl, Map<String, byte[]> storages) throws IOException {
        Map<String, byte[]> extra = new LinkedHashMap<>();
        extra.put("constants.pkl", new byte[] {(byte) 0x80, 2, ')', '.'});
        TorchZipWriter.write(file, "archive", dataPkl, storages, extra);
        return file;
    }
}
