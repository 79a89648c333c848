package dev.anomalyedge.weights;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.anomalyedge.tensor.DType;
import dev.anomalyedge.tensor.Tensor;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Safetensors: round trip, and clear errors (never an OutOfMemoryError) for broken headers, derived from a golden file. */
class SafetensorsTest {
    @TempDir
    Path tmp;

    static final Path GOLDEN = Golden.caseDir("case2_p16_s96_top").resolve("clip/clip_weights.safetensors");
    private static final ObjectMapper JSON = new ObjectMapper();

    private static void fails(Path file, String... expectedInMessage) {
        CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoints.read(file));
        assertTrue(e.getMessage().contains(file.toString()), "message names the file: " + e.getMessage());
        for (String s : expectedInMessage) {
            assertTrue(e.getMessage().contains(s), "message should contain '" + s + "': " + e.getMessage());
        }
    }

    /** The golden file with its 8-byte header length replaced by {@code length}. */
    private Path withHeaderLength(String name, long length) throws IOException {
        byte[] b = Files.readAllBytes(GOLDEN);
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, length);
        return Files.write(tmp.resolve(name), b);
    }

    /** The golden file with its JSON header edited (re-serialised, length updated, data unchanged). */
    private Path withHeader(String name, Consumer<ObjectNode> edit) throws IOException {
        byte[] b = Files.readAllBytes(GOLDEN);
        long len = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        ObjectNode header = (ObjectNode) JSON.readTree(Arrays.copyOfRange(b, 8, (int) (8 + len)));
        edit.accept(header);
        byte[] h = JSON.writeValueAsBytes(header);
        ByteBuffer out = ByteBuffer.allocate(8 + h.length + b.length - 8 - (int) len).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(h.length).put(h).put(b, (int) (8 + len), b.length - 8 - (int) len);
        return Files.write(tmp.resolve(name), out.array());
    }

    @Test
    void writeThenReadRoundTrips() throws IOException {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("w", Tensor.ofFloats(new long[] {2, 3}, new float[] {1, -2, 3.5f, Float.MIN_VALUE, -0f, 65504}));
        tensors.put("ids", Tensor.ofLongs(DType.I64, new long[] {3}, new long[] {Long.MAX_VALUE, -1, 0}));
        tensors.put("scalar", Tensor.ofFloats(new long[] {}, new float[] {7}));
        Path f = tmp.resolve("rt.safetensors");
        Safetensors.write(f, tensors, Map.of("format", "test"));

        Safetensors.Contents c = Safetensors.readWithMetadata(f);
        assertEquals(Map.of("format", "test"), c.metadata());
        assertEquals(List.of("w", "ids", "scalar"), List.copyOf(c.tensors().keys()));
        assertArrayEquals(tensors.get("w").floats(), c.tensors().floats("w", 2, 3));
        assertArrayEquals(tensors.get("ids").longs(), c.tensors().get("ids", 3).longs());
        assertArrayEquals(new float[] {7}, c.tensors().floats("scalar"));
        assertEquals(Checkpoints.Format.SAFETENSORS, Checkpoints.detect(f));
        assertEquals(0, (Files.size(f) - 8 - 3 * 4 - 6 * 4 - 3 * 8) % 8, "header padded to 8 bytes");
    }

    @Test
    void headerLengthPastTheEndOfFile() throws IOException {
        long size = Files.size(GOLDEN);
        Path f = withHeaderLength("past.safetensors", size);
        fails(f, "not a safetensors file of " + size + " bytes", "header length", "past the end of the file");
    }

    @Test
    void absurdHeaderLength() throws IOException {
        Path f = withHeaderLength("absurd.safetensors", 1L << 60);
        fails(f, "header length", "past the end of the file");
        Path g = withHeaderLength("negative.safetensors", -8);
        fails(g, "header length", "not positive");
    }

    @Test
    void dataOffsetsPastTheEndOfFile() throws IOException {
        byte[] b = Files.readAllBytes(GOLDEN);
        Path f = Files.write(tmp.resolve("cut.safetensors"), Arrays.copyOf(b, b.length - 100));
        // the last tensor of the file is the one whose bytes were cut
        String last = List.copyOf(Safetensors.read(GOLDEN).keys()).get(Safetensors.read(GOLDEN).size() - 1);
        fails(f, "tensor '" + last + "'", "data_offsets", "outside the data section", "truncated");
    }

    @Test
    void unsupportedDtype() throws IOException {
        Path f = withHeader("f8.safetensors", h -> ((ObjectNode) h.get("text_projection")).put("dtype", "F8_E4M3"));
        fails(f, "tensor 'text_projection'", "unsupported dtype F8_E4M3");
    }

    @Test
    void shapeThatDoesNotMatchTheByteRange() throws IOException {
        Path f = withHeader("shape.safetensors", h -> ((ObjectNode) h.get("text_projection")).putArray("shape").add(64).add(49));
        fails(f, "tensor 'text_projection'", "shape [64, 49] of F16 needs 6272 bytes", "data_offsets span 6144");
        Path g = withHeader("overflow.safetensors",
                h -> ((ObjectNode) h.get("text_projection")).putArray("shape").add(1L << 40).add(1L << 40));
        fails(g, "tensor 'text_projection'", "overflows");
    }

    @Test
    void headerThatIsNotJson() throws IOException {
        byte[] b = Files.readAllBytes(GOLDEN);
        byte[] garbage = "{\"a\": [1, 2".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(garbage, 0, b, 8, garbage.length);
        long len = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        Arrays.fill(b, 8 + garbage.length, (int) (8 + len), (byte) ' ');
        Path f = Files.write(tmp.resolve("json.safetensors"), b);
        fails(f, "not valid JSON");
    }
}
