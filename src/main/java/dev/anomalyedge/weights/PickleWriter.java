package dev.anomalyedge.weights;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Emits the few pickle protocol-2 opcodes a {@code torch.save} state dict needs, for writing checkpoints that PyTorch
 * (and our own reader) load. Calls chain: {@code w.global("collections", "OrderedDict").op(')').op('R')}.
 */
public final class PickleWriter {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    /** A raw opcode byte, e.g. {@code '('} MARK, {@code 't'} TUPLE, {@code 'R'} REDUCE, {@code 0x89} NEWFALSE. */
    public PickleWriter op(int opcode) {
        out.write(opcode);
        return this;
    }

    /** GLOBAL {@code module.name}. */
    public PickleWriter global(String module, String name) {
        out.write('c');
        out.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
        return this;
    }

    /** BINUNICODE. */
    public PickleWriter string(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.write('X');
        le(b.length, 4);
        out.writeBytes(b);
        return this;
    }

    /** BININT when it fits 32 bits, else LONG1 with 8 bytes. */
    public PickleWriter integer(long v) {
        if (v == (int) v) {
            out.write('J');
            le(v, 4);
        } else {
            out.write(0x8a);
            out.write(8);
            le(v, 8);
        }
        return this;
    }

    /** MARK, the integers, TUPLE. */
    public PickleWriter tuple(long[] values) {
        op('(');
        for (long v : values) integer(v);
        return op('t');
    }

    public byte[] toByteArray() {
        return out.toByteArray();
    }

    private void le(long v, int bytes) {
        for (int i = 0; i < bytes; i++) out.write((int) (v >>> (8 * i)) & 0xff);
    }
}
