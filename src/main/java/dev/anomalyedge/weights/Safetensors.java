package dev.anomalyedge.weights;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The safetensors format: 8-byte little-endian header length, a JSON header
 * {@code {"name": {"dtype": "F16", "shape": [..], "data_offsets": [begin, end]}, "__metadata__": {..}}},
 * then the raw little-endian data. Every length and offset is checked against the file before use, tensors may
 * not share bytes (as the format requires), and the header and decoded tensors are charged to the file's
 * {@link ReadBudget} before they are allocated.
 */
public final class Safetensors {
    /** Headers larger than this are refused (real ones are a few hundred KiB). */
    static final long MAX_HEADER_BYTES = 100L << 20;
    /** Heap the parsed JSON tree may take per header byte ({@code [[],[],…]}: an ArrayNode per 3 bytes). */
    static final int JSON_HEAP_PER_BYTE = 32;
    /** Every dtype name of the safetensors format, so an unsupported one can be named without quoting the file. */
    private static final List<String> FORMAT_DTYPES = List.of("BOOL", "F4", "F6_E2M3", "F6_E3M2", "U8", "I8", "F8_E5M2",
            "F8_E4M3", "F8_E8M0", "I16", "U16", "F16", "BF16", "I32", "U32", "F32", "C64", "F64", "I64", "U64");
    private static final String SUPPORTED_DTYPES = "F32, F16, BF16, F64, I64, I32, I16, I8, U8, BOOL";
    private static final ObjectMapper JSON = new ObjectMapper();

    private Safetensors() {}

    /** A read file: the tensors and the free-form {@code __metadata__} strings. */
    public record Contents(StateDict tensors, Map<String, String> metadata) {}

    /** One checked header entry: its byte range [begin, end) lies in the data section and fits dtype × shape. */
    private record Entry(String key, DType dtype, long[] shape, long numel, long begin, long end) {}

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
                throw new CheckpointException(file + ": not a safetensors file of " + size + " bytes: the header length"
                        + " in its first 8 bytes is " + (headerLen <= 0 ? "not positive" : headerLen > size - 8
                        ? "past the end of the file (truncated?)" : "over the " + (MAX_HEADER_BYTES >> 20) + " MiB limit"));
            }
            ReadBudget budget = ReadBudget.forFile(file, size);
            budget.charge(ReadBudget.multiplySaturated(headerLen, JSON_HEAP_PER_BYTE), "the safetensors header");
            ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
            readFully(ch, hb, 8);
            JsonNode header;
            try {
                header = JSON.readTree(new String(hb.array(), StandardCharsets.UTF_8));
            } catch (JsonProcessingException e) { // not chained: the parser's message quotes the header
                JsonLocation at = e.getLocation();
                throw new CheckpointException(file + ": safetensors header is not valid JSON"
                        + (at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")"));
            }
            if (header == null || !header.isObject()) throw new CheckpointException(file + ": safetensors header is not a JSON object");
            long dataStart = 8 + headerLen;
            long dataLen = size - dataStart;
            Map<String, String> metadata = new LinkedHashMap<>();
            List<Entry> entries = new ArrayList<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getKey().equals("__metadata__")) {
                    e.getValue().fields().forEachRemaining(m -> metadata.put(m.getKey(), m.getValue().asText()));
                    continue;
                }
                entries.add(entry(file, e.getKey(), e.getValue(), dataLen));
            }
            checkNoOverlap(file, entries);
            for (Entry e : entries) budget.charge(ReadBudget.decodedBytes(e.dtype(), e.numel()), "tensor " + Names.quote(e.key()));
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            for (Entry e : entries) tensors.put(e.key(), decode(e, ch, dataStart));
            return new Contents(new StateDict(file.toString(), tensors), metadata);
        } catch (IOException e) {
            throw new CheckpointException(file + ": cannot read: " + e.getMessage(), e);
        }
    }

    /** Checks one header entry; messages name the tensor and the field, never the header's text. */
    private static Entry entry(Path file, String key, JsonNode info, long dataLen) {
        String where = file + ": tensor " + Names.quote(key);
        JsonNode dt = info.get("dtype");
        JsonNode sh = info.get("shape");
        JsonNode off = info.get("data_offsets");
        if (dt == null || !dt.isTextual() || sh == null || !sh.isArray() || off == null || !off.isArray() || off.size() != 2) {
            throw new CheckpointException(where + ": entry needs dtype (a string), shape (an array) and data_offsets"
                    + " ([begin, end]); " + (dt == null || !dt.isTextual() ? "dtype" : sh == null || !sh.isArray() ? "shape"
                    : "data_offsets") + " is missing or of another type");
        }
        DType dtype;
        try {
            dtype = DType.valueOf(dt.asText());
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(where + ": " + (FORMAT_DTYPES.contains(dt.asText()) ? "unsupported dtype "
                    + dt.asText() : "dtype is not a safetensors dtype name") + " (supported: " + SUPPORTED_DTYPES + ")");
        }
        long[] shape = new long[sh.size()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = nonNegativeLong(sh.get(i));
            if (shape[i] < 0) throw new CheckpointException(where + ": shape entry " + i + " is not a non-negative integer");
        }
        long begin = nonNegativeLong(off.get(0));
        long end = nonNegativeLong(off.get(1));
        if (begin < 0 || end < 0) throw new CheckpointException(where + ": data_offsets are not two non-negative integers");
        long numel;
        try {
            numel = Tensor.numel(shape);
        } catch (ArithmeticException e) {
            throw new CheckpointException(where + ": shape " + Arrays.toString(shape) + " overflows");
        }
        if (end < begin || end > dataLen) {
            throw new CheckpointException(where + ": data_offsets [" + begin + ", " + end + "] outside the data section of "
                    + dataLen + " bytes (file truncated?)");
        }
        long bytes = ReadBudget.multiplySaturated(numel, dtype.bytes);
        if (end - begin != bytes) {
            throw new CheckpointException(where + ": shape " + Arrays.toString(shape) + " of " + dtype + " needs "
                    + (bytes == Long.MAX_VALUE ? "more than 2^63" : bytes) + " bytes but data_offsets span " + (end - begin));
        }
        if (numel > Integer.MAX_VALUE - 8) throw new CheckpointException(where + ": " + numel + " elements is too large");
        if (end - begin > Integer.MAX_VALUE) throw new CheckpointException(where + ": " + (end - begin) + " bytes is too large");
        return new Entry(key, dtype, shape, numel, begin, end);
    }

    /** The node as a long when it is an integer in [0, 2^63), else -1. */
    private static long nonNegativeLong(JsonNode n) {
        return n.isIntegralNumber() && n.canConvertToLong() && n.asLong() >= 0 ? n.asLong() : -1;
    }

    /** Tensors may not share bytes: aliasing would decode the same bytes once per name. */
    private static void checkNoOverlap(Path file, List<Entry> entries) {
        List<Entry> byBegin = entries.stream().filter(e -> e.end() > e.begin())
                .sorted(Comparator.comparingLong(Entry::begin)).toList();
        for (int i = 1; i < byBegin.size(); i++) {
            Entry a = byBegin.get(i - 1);
            Entry b = byBegin.get(i);
            if (b.begin() < a.end()) {
                throw new CheckpointException(file + ": tensors " + Names.quote(a.key()) + " and " + Names.quote(b.key())
                        + " overlap in the data section (data_offsets [" + a.begin() + ", " + a.end() + "] and ["
                        + b.begin() + ", " + b.end() + "]); safetensors tensors may not share bytes");
            }
        }
    }

    /** One tensor, mapped on its own: a single mapping of the whole data section would fail beyond 2 GiB. */
    private static Tensor decode(Entry e, FileChannel ch, long dataStart) throws IOException {
        long length = e.end() - e.begin();
        ByteBuffer b = length == 0 ? ByteBuffer.allocate(0) : ch.map(FileChannel.MapMode.READ_ONLY, dataStart + e.begin(), length);
        return TensorDecoding.decode(e.dtype(), e.shape(), b, (int) e.numel());
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
