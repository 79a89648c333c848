package dev.anomalyedge.tensor;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads and writes NumPy {@code .npy} files (version 1/2/3, little-endian, C order). */
public final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    private Npy() {}

    public static Tensor read(Path file) throws IOException {
        byte[] all = Files.readAllBytes(file);
        ByteBuffer buf = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < MAGIC.length; i++) {
            if (all.length < 10 || all[i] != MAGIC[i]) throw new IOException(file + ": not a .npy file");
        }
        int major = all[6];
        int headerLen;
        int pos;
        if (major == 1) {
            headerLen = Short.toUnsignedInt(buf.getShort(8));
            pos = 10;
        } else {
            headerLen = buf.getInt(8);
            pos = 12;
        }
        if (headerLen < 0 || pos + headerLen > all.length) throw new IOException(file + ": header runs past end of file");
        String header = new String(all, pos, headerLen, StandardCharsets.ISO_8859_1);
        Matcher d = DESCR.matcher(header);
        Matcher f = FORTRAN.matcher(header);
        Matcher s = SHAPE.matcher(header);
        if (!d.find() || !f.find() || !s.find()) throw new IOException(file + ": malformed header " + header);
        if (f.group(1).equals("True")) throw new IOException(file + ": Fortran order is not supported");
        List<Long> dims = new ArrayList<>();
        for (String part : s.group(1).split(",")) {
            if (!part.isBlank()) dims.add(Long.parseLong(part.trim()));
        }
        long[] shape = dims.stream().mapToLong(Long::longValue).toArray();
        int n = Math.toIntExact(Tensor.numel(shape));
        buf.position(pos + headerLen);
        String descr = d.group(1);
        switch (descr) {
            case "<f4": {
                float[] out = new float[n];
                buf.asFloatBuffer().get(out);
                return Tensor.ofFloats(shape, out);
            }
            case "<f8": {
                float[] out = new float[n];
                for (int i = 0; i < n; i++) out[i] = (float) buf.getDouble();
                return Tensor.ofFloats(DType.F64, shape, out);
            }
            case "<f2": {
                float[] out = new float[n];
                for (int i = 0; i < n; i++) out[i] = Half.toFloat(buf.getShort());
                return Tensor.ofFloats(DType.F16, shape, out);
            }
            case "<i4": {
                long[] out = new long[n];
                for (int i = 0; i < n; i++) out[i] = buf.getInt();
                return Tensor.ofLongs(DType.I32, shape, out);
            }
            case "<i8": {
                long[] out = new long[n];
                for (int i = 0; i < n; i++) out[i] = buf.getLong();
                return Tensor.ofLongs(DType.I64, shape, out);
            }
            case "|u1": {
                long[] out = new long[n];
                for (int i = 0; i < n; i++) out[i] = Byte.toUnsignedInt(buf.get());
                return Tensor.ofLongs(DType.U8, shape, out);
            }
            case "|b1": {
                long[] out = new long[n];
                for (int i = 0; i < n; i++) out[i] = buf.get() != 0 ? 1 : 0;
                return Tensor.ofLongs(DType.BOOL, shape, out);
            }
            default:
                throw new IOException(file + ": unsupported dtype " + descr);
        }
    }

    /** Writes little-endian float32 data of the given shape. */
    public static void writeFloat32(Path file, long[] shape, float[] data) throws IOException {
        if (Tensor.numel(shape) != data.length) throw new IllegalArgumentException("shape does not match data length");
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write(header("<f4", shape));
            ByteBuffer bb = ByteBuffer.allocate(data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            bb.asFloatBuffer().put(data);
            out.write(bb.array());
        }
    }

    /** Writes little-endian float16 data (raw IEEE half bits, see {@link Half}) of the given shape. */
    public static void writeFloat16(Path file, long[] shape, short[] bits) throws IOException {
        if (Tensor.numel(shape) != bits.length) throw new IllegalArgumentException("shape does not match data length");
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write(header("<f2", shape));
            ByteBuffer bb = ByteBuffer.allocate(bits.length * 2).order(ByteOrder.LITTLE_ENDIAN);
            bb.asShortBuffer().put(bits);
            out.write(bb.array());
        }
    }

    private static byte[] header(String descr, long[] shape) {
        StringBuilder sb = new StringBuilder("{'descr': '").append(descr).append("', 'fortran_order': False, 'shape': (");
        for (int i = 0; i < shape.length; i++) {
            sb.append(shape[i]);
            if (shape.length == 1 || i < shape.length - 1) sb.append(", ");
        }
        sb.append("), }");
        // pad so that magic(6)+version(2)+len(2)+header is a multiple of 64, ending in '\n'
        int total = 10 + sb.length() + 1;
        int pad = (64 - total % 64) % 64;
        sb.append(" ".repeat(pad)).append('\n');
        byte[] h = sb.toString().getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer bb = ByteBuffer.allocate(10 + h.length).order(ByteOrder.LITTLE_ENDIAN);
        bb.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) h.length).put(h);
        return bb.array();
    }
}
