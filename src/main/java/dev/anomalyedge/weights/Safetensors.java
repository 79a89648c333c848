package dev.anomalyedge.weights;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.anomalyedge.tensor.DType;
import dev.anomalyedge.tensor.Half;
import dev.anomalyedge.tensor.Tensor;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The safetensors format: 8-byte little-endian header length, a JSON header
 * {@code {"name": {"dtype": "F16", "shape": [..], "data_offsets": [begin, end]}, "__metadata__": {..}}},
 * then the raw little-endian data. Every length and offset is checked against the file before use.
 */
public final class Safetensors {
    /** Headers larger than this are refused (real ones are a few hundred KiB). */
    static final long MAX_HEADER_BYTES = 100L << 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    private Safetensors() {}

    /** A read file: the tensors and the free-form {@code __metadata__} strings. */
    public record Contents(StateDict tensors, Map<String, String> metadata) {}

    public static StateDict read(Path file) {
        return readWithMetadata(file).tensors();
    }

    public static Contents readWithMetadata(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) throw new CheckpointException(file + ": not a safetensors file (only " + size + " bytes)");
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0);
            long headerLen = lenBuf.getLong(0);
            if (headerLen <= 0 || headerLen > size - 8 || headerLen > MAX_HEADER_BYTES) {
                throw new CheckpointException(file + ": safetensors header length " + headerLen
                        + " is impossible for a file of " + size + " bytes");
            }
            ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
            readFully(ch, hb, 8);
            JsonNode header;
            try {
                header = JSON.readTree(new String(hb.array(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new CheckpointException(file + ": safetensors header is not valid JSON: " + e.getMessage(), e);
            }
            if (header == null || !header.isObject()) throw new CheckpointException(file + ": safetensors header is not a JSON object");
            long dataStart = 8 + headerLen;
            long dataLen = size - dataStart;
            Map<String, String> metadata = new LinkedHashMap<>();
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getKey().equals("__metadata__")) {
                    e.getValue().fields().forEachRemaining(m -> metadata.put(m.getKey(), m.getValue().asText()));
                    continue;
                }
                tensors.put(e.getKey(), readTensor(file, e.getKey(), e.getValue(), ch, dataStart, dataLen));
            }
            return new Contents(new StateDict(file.toString(), tensors), metadata);
        } catch (IOException e) {
            throw new CheckpointException(file + ": cannot read: " + e.getMessage(), e);
        }
    }

    /** One tensor, mapped on its own: a single mapping of the whole data section would fail beyond 2 GiB. */
    private static Tensor readTensor(Path file, String key, JsonNode info, FileChannel ch, long dataStart, long dataLen)
            throws IOException {
        String where = file + ": tensor '" + key + "'";
        JsonNode dt = info.get("dtype");
        JsonNode sh = info.get("shape");
        JsonNode off = info.get("data_offsets");
        if (dt == null || sh == null || off == null || !sh.isArray() || !off.isArray() || off.size() != 2) {
            throw new CheckpointException(where + ": entry needs dtype, shape and data_offsets[2], found " + info);
        }
        DType dtype;
        try {
            dtype = DType.valueOf(dt.asText());
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(where + ": unsupported dtype " + dt.asText());
        }
        long[] shape = new long[sh.size()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = sh.get(i).asLong(-1);
            if (shape[i] < 0) throw new CheckpointException(where + ": invalid shape " + sh);
        }
        long begin = off.get(0).asLong(-1);
        long end = off.get(1).asLong(-1);
        long numel;
        try {
            numel = Tensor.numel(shape);
        } catch (ArithmeticException e) {
            throw new CheckpointException(where + ": shape " + sh + " overflows");
        }
        if (begin < 0 || end < begin || end > dataLen) {
            throw new CheckpointException(where + ": data_offsets [" + begin + ", " + end + "] outside the data section of "
                    + dataLen + " bytes (file truncated?)");
        }
        if (end - begin != numel * dtype.bytes) {
            throw new CheckpointException(where + ": shape " + sh + " of " + dtype + " needs " + numel * dtype.bytes
                    + " bytes but data_offsets span " + (end - begin));
        }
        if (numel > Integer.MAX_VALUE - 8) throw new CheckpointException(where + ": " + numel + " elements is too large");
        if (end - begin > Integer.MAX_VALUE) throw new CheckpointException(where + ": " + (end - begin) + " bytes is too large");
        ByteBuffer b = end == begin ? ByteBuffer.allocate(0) : ch.map(FileChannel.MapMode.READ_ONLY, dataStart + begin, end - begin);
        return TensorDecoding.decode(dtype, shape, b, (int) numel);
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos + buf.position());
            if (n < 0) throw new IOException("unexpected end of file");
        }
    }

    /** Writes tensors as F32 (floating) or I64 (integer), in map order, with optional metadata. */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        write(file, tensors, metadata, DType.F32);
    }

    /**
     * Writes floating tensors as {@code floatType} (F32, or F16 rounded to nearest even like the released CLIP
     * weights) and integer tensors as I64; written to a temporary file and moved into place.
     */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata, DType floatType)
            throws IOException {
        if (floatType != DType.F32 && floatType != DType.F16) throw new IllegalArgumentException("F32 or F16, not " + floatType);
        int fb = floatType.bytes;
        ObjectNode header = JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode m = header.putObject("__metadata__");
            metadata.forEach(m::put);
        }
        long offset = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            Tensor t = e.getValue();
            ObjectNode n = header.putObject(e.getKey());
            n.put("dtype", t.isFloating() ? floatType.name() : "I64");
            var shape = n.putArray("shape");
            for (long d : t.shape()) shape.add(d);
            long len = t.numel() * (t.isFloating() ? fb : 8);
            n.putArray("data_offsets").add(offset).add(offset + len);
            offset += len;
        }
        byte[] h = JSON.writeValueAsBytes(header);
        int pad = (8 - h.length % 8) % 8;
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(tmp), 1 << 20)) {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length + pad);
            out.write(len.array());
            out.write(h);
            out.write(" ".repeat(pad).getBytes(StandardCharsets.US_ASCII));
            for (Tensor t : tensors.values()) {
                ByteBuffer bb;
                if (t.isFloating() && fb == 2) {
                    float[] f = t.floats();
                    bb = ByteBuffer.allocate(f.length * 2).order(ByteOrder.LITTLE_ENDIAN);
                    for (float v : f) bb.putShort(Half.fromFloat(v));
                } else if (t.isFloating()) {
                    bb = ByteBuffer.allocate(t.floats().length * 4).order(ByteOrder.LITTLE_ENDIAN);
                    bb.asFloatBuffer().put(t.floats());
                } else {
                    bb = ByteBuffer.allocate(t.longs().length * 8).order(ByteOrder.LITTLE_ENDIAN);
                    bb.asLongBuffer().put(t.longs());
                }
                out.write(bb.array());
            }
        }
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }
}
