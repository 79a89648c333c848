package dev.anomalyedge.training;

import dev.anomalyedge.tensor.Tensor;
import dev.anomalyedge.weights.PickleWriter;
import dev.anomalyedge.weights.StoredZip;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes a prompt-learner state dict in AnomalyCLIP's own checkpoint format (docs/method.md §3.2), the file {@code train.py}
 * saves and {@code test.py} loads: {@code torch.save({"prompt_learner": state_dict}, f)}.
 *
 * <p>PyTorch's zip serialisation: an uncompressed zip with one top-level folder {@code <root>} holding
 * {@code data.pkl} (pickle protocol 2), {@code data/<n>} (the raw little-endian bytes of storage n), {@code version}
 * ("3") and {@code byteorder} ("little"). The pickle builds
 * <pre>
 * {"prompt_learner": OrderedDict([(name, torch._utils._rebuild_tensor_v2(
 *      persistent_id(("storage", torch.FloatStorage | torch.IntStorage, "n", "cpu", numel)),
 *      0, shape, contiguous_stride, False, OrderedDict())), ...])}
 * </pre>
 * One storage per tensor (the reference's prefix/suffix buffers share one, which a reader cannot tell apart from
 * separate copies). Float tensors are written as float32, integer ones (the token ids) as int32, like the reference.
 */
public final class TorchCheckpointWriter {
    private TorchCheckpointWriter() {}

    /** Writes {@code {"prompt_learner": stateDict}} to {@code file} (atomically: temporary file, then rename). */
    public static void writePromptLearner(Path file, Map<String, Tensor> stateDict) throws IOException {
        String root = stem(file);
        PickleWriter w = new PickleWriter();
        Map<String, byte[]> storages = new LinkedHashMap<>();
        w.op(0x80).op(2);                                                      // PROTO 2
        w.op('}').string("prompt_learner");                                    // EMPTY_DICT, key
        w.global("collections", "OrderedDict").op(')').op('R').op('(');        // OrderedDict(), MARK
        for (Map.Entry<String, Tensor> e : stateDict.entrySet()) {
            Tensor t = e.getValue();
            String key = Integer.toString(storages.size());
            boolean floating = t.isFloating();
            storages.put(key, floating ? floatBytes(t.floats()) : intBytes(t.longs(), e.getKey()));
            long[] shape = t.shape();
            w.string(e.getKey());
            w.global("torch._utils", "_rebuild_tensor_v2").op('(');
            w.op('(').string("storage").global("torch", floating ? "FloatStorage" : "IntStorage").string(key).string("cpu")
                    .integer(t.numel()).op('t').op('Q');                        // persistent id tuple, BINPERSID
            w.integer(0).tuple(shape).tuple(contiguousStride(shape)).op(0x89); // offset, size, stride, requires_grad False
            w.global("collections", "OrderedDict").op(')').op('R');            // backward_hooks
            w.op('t').op('R');
        }
        w.op('u').op('s').op('.');                                              // SETITEMS, SETITEM, STOP

        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put(root + "/data.pkl", w.toByteArray());
        entries.put(root + "/byteorder", "little".getBytes(StandardCharsets.US_ASCII));
        storages.forEach((k, b) -> entries.put(root + "/data/" + k, b));
        entries.put(root + "/version", "3\n".getBytes(StandardCharsets.US_ASCII));
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        StoredZip.write(tmp, entries);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static String stem(Path file) {
        String n = file.getFileName().toString();
        int dot = n.lastIndexOf('.');
        String s = dot > 0 ? n.substring(0, dot) : n;
        return s.replaceAll("[^A-Za-z0-9_.-]", "_");
    }

    static long[] contiguousStride(long[] shape) {
        long[] stride = new long[shape.length];
        long s = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            stride[i] = s;
            s *= shape[i];
        }
        return stride;
    }

    private static byte[] floatBytes(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) b.putFloat(x);
        return b.array();
    }

    private static byte[] intBytes(long[] v, String name) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (long x : v) {
            if (x != (int) x) throw new IllegalArgumentException("tensor " + name + " holds " + x + ", which does not fit int32");
            b.putInt((int) x);
        }
        return b.array();
    }
}
