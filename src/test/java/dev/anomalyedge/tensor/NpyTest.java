package dev.anomalyedge.tensor;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NpyTest {
    @TempDir
    Path dir;

    @Test
    void float32RoundTripKeepsShapeAndValues() throws IOException {
        Path f = dir.resolve("a.npy");
        float[] data = {0f, -1.5f, 3.25f, Float.MIN_VALUE, Float.MAX_VALUE, -0f};
        Npy.writeFloat32(f, new long[] {2, 3}, data);
        Tensor t = Npy.read(f);
        assertEquals(DType.F32, t.dtype());
        assertArrayEquals(new long[] {2, 3}, t.shape());
        assertArrayEquals(data, t.floats());
        assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(t.floats()[5]), "the sign of zero survives");
    }

    @Test
    void theHeaderIsNumpyVersion1AlignedTo64BytesWithTupleSyntax() throws IOException {
        Path f = dir.resolve("v.npy");
        Npy.writeFloat32(f, new long[] {3}, new float[] {1, 2, 3});
        byte[] all = Files.readAllBytes(f);
        assertEquals((byte) 0x93, all[0]);
        assertEquals("NUMPY", new String(all, 1, 5, StandardCharsets.ISO_8859_1));
        assertEquals(1, all[6], "major version");
        assertEquals(0, all[7], "minor version");
        int headerLen = Short.toUnsignedInt(ByteBuffer.wrap(all, 8, 2).order(ByteOrder.LITTLE_ENDIAN).getShort());
        assertEquals(0, (10 + headerLen) % 64, "data starts on a 64-byte boundary");
        String header = new String(all, 10, headerLen, StandardCharsets.ISO_8859_1);
        assertTrue(header.startsWith("{'descr': '<f4', 'fortran_order': False, 'shape': (3, ), }"), header);
        assertTrue(header.endsWith("\n"), "the header ends in a newline");
        assertEquals(10 + headerLen + 3 * 4, all.length);

        Npy.writeFloat32(f, new long[] {2, 1, 2}, new float[4]);
        String h2 = new String(Files.readAllBytes(f), 10, 60, StandardCharsets.ISO_8859_1);
        assertTrue(h2.contains("'shape': (2, 1, 2)"), h2);
        Npy.writeFloat32(f, new long[] {}, new float[] {7});
        Tensor scalar = Npy.read(f);
        assertEquals(0, scalar.rank());
        assertEquals(7f, scalar.floats()[0]);
    }

    @Test
    void readsTheOtherDtypesNumpyWrites() throws IOException {
        assertArrayEquals(new float[] {1.5f, -2f}, read("<f8", new long[] {2}, le(16).putDouble(1.5).putDouble(-2)).floats());
        Tensor half = read("<f2", new long[] {2}, le(4).putShort((short) 0x3c00).putShort((short) 0xc000));
        assertEquals(DType.F16, half.dtype());
        assertArrayEquals(new float[] {1f, -2f}, half.floats());
        Tensor i32 = read("<i4", new long[] {1, 2}, le(8).putInt(-7).putInt(49407));
        assertEquals(DType.I32, i32.dtype());
        assertArrayEquals(new long[] {-7, 49407}, i32.longs());
        assertArrayEquals(new long[] {Long.MIN_VALUE}, read("<i8", new long[] {1}, le(8).putLong(Long.MIN_VALUE)).longs());
        assertArrayEquals(new long[] {255, 0}, read("|u1", new long[] {2}, le(2).put((byte) 0xff).put((byte) 0)).longs());
        assertArrayEquals(new long[] {1, 0, 1}, read("|b1", new long[] {3}, le(3).put((byte) 1).put((byte) 0).put((byte) 2)).longs());
    }

    @Test
    void rejectsWhatItCannotRead() throws IOException {
        Path f = dir.resolve("x.npy");
        Files.write(f, "not numpy at all".getBytes(StandardCharsets.US_ASCII));
        assertTrue(assertThrows(IOException.class, () -> Npy.read(f)).getMessage().contains("not a .npy file"));
        Files.write(f, new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (byte) 0xff, 0x7f});
        assertTrue(assertThrows(IOException.class, () -> Npy.read(f)).getMessage().contains("header runs past end of file"));
        assertTrue(assertThrows(IOException.class, () -> read("<f4", true, new long[] {1}, le(4).putFloat(1))).getMessage()
                .contains("Fortran order"));
        assertTrue(assertThrows(IOException.class, () -> read(">f4", new long[] {1}, le(4).putFloat(1))).getMessage()
                .contains("unsupported dtype >f4"));
        assertThrows(IllegalArgumentException.class, () -> Npy.writeFloat32(f, new long[] {2, 2}, new float[3]));
    }

    private static ByteBuffer le(int bytes) {
        return ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    private Tensor read(String descr, long[] shape, ByteBuffer data) throws IOException {
        return read(descr, false, shape, data);
    }

    /** A version-2 file (4-byte header length) written by hand, so reading does not depend on our writer. */
    private Tensor read(String descr, boolean fortran, long[] shape, ByteBuffer data) throws IOException {
        StringBuilder dims = new StringBuilder();
        for (long d : shape) dims.append(d).append(", ");
        byte[] header = ("{'descr': '" + descr + "', 'fortran_order': " + (fortran ? "True" : "False") + ", 'shape': (" + dims + "), }\n")
                .getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer file = le(12 + header.length + data.capacity());
        file.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 2, 0}).putInt(header.length).put(header).put(data.array());
        Path f = dir.resolve(descr.replaceAll("[^a-z0-9]", "") + ".npy");
        Files.write(f, file.array());
        return Npy.read(f);
    }
}
