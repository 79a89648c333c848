package dev.anomalyedge.weights;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Test helper: writes small torch.save-style zip checkpoints opcode by opcode (pickle protocol 2), so tests can
 * build views, shared storages and broken files that the golden data does not contain.
 */
final class TorchZipWriter {
    /** One tensor: a view (offset, shape, stride in elements) of storage {@code data/<key>} of a {@code torch.<type>}. */
    record View(String name, String storageType, String key, long storageNumel, long offset, long[] shape, long[] stride) {}

    private TorchZipWriter() {}

    /** data.pkl of {@code OrderedDict(name → tensor)}, optionally wrapped as {@code {outerKey: OrderedDict}}. */
    static byte[] stateDictPickle(List<View> views, String outerKey) {
        PickleWriter w = new PickleWriter();
        w.op(0x80).op(2); // PROTO 2
        if (outerKey != null) w.op('}').string(outerKey); // EMPTY_DICT, key
        w.global("collections", "OrderedDict").op(')').op('R').op('('); // OrderedDict(), MARK
        for (View v : views) {
            w.string(v.name());
            w.global("torch._utils", "_rebuild_tensor_v2").op('(');
            w.op('(').string("storage").global("torch", v.storageType()).string(v.key()).string("cpu").integer(v.storageNumel())
                    .op('t').op('Q'); // persistent id tuple, BINPERSID
            w.integer(v.offset()).tuple(v.shape()).tuple(v.stride()).op(0x89); // offset, size, stride, requires_grad False
            w.global("collections", "OrderedDict").op(')').op('R'); // backward_hooks
            w.op('t').op('R');
        }
        w.op('u'); // SETITEMS
        if (outerKey != null) w.op('s'); // SETITEM into the outer dict
        w.op('.');
        return w.toByteArray();
    }

    /** Writes {@code <root>/data.pkl}, {@code <root>/data/<key>} for each storage, {@code <root>/version}, stored. */
    static void write(Path file, String root, byte[] pickle, Map<String, byte[]> storages, Map<String, byte[]> extra)
            throws IOException {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put(root + "/data.pkl", pickle);
        storages.forEach((k, b) -> entries.put(root + "/data/" + k, b));
        entries.put(root + "/version", "3\n".getBytes(StandardCharsets.US_ASCII));
        extra.forEach((k, b) -> entries.put(root + "/" + k, b));
        StoredZip.write(file, entries);
    }
}
