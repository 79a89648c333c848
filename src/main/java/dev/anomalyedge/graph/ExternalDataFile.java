package dev.anomalyedge.graph;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The external-data file of an ONNX model: float32 (little-endian) or int8 tensors appended, each starting at a 64-byte
 * aligned offset. Data is streamed through one small direct buffer, so no extra copy of a tensor is ever held.
 */
final class ExternalDataFile implements AutoCloseable {
    static final int ALIGNMENT = 64;
    private static final int CHUNK_FLOATS = 1 << 18; // 1 MiB

    /** Where one tensor lies in the file. */
    record Span(long offset, long length) {}

    private final Path file;
    private final FileChannel channel;
    private final ByteBuffer chunk = ByteBuffer.allocateDirect(CHUNK_FLOATS * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    private long position;

    ExternalDataFile(Path file) {
        this.file = file;
        try {
            this.channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create ONNX external data file " + file, e);
        }
    }

    /** The file name as the model refers to it (relative to the model's folder). */
    String location() { return file.getFileName().toString(); }

    Path path() { return file; }

    /** Appends {@code data} at the next aligned offset. */
    Span append(float[] data) {
        try {
            long offset = align();
            long at = offset;
            for (int from = 0; from < data.length; from += CHUNK_FLOATS) {
                int n = Math.min(CHUNK_FLOATS, data.length - from);
                chunk.clear();
                chunk.asFloatBuffer().put(data, from, n);
                chunk.limit(n * Float.BYTES);
                while (chunk.hasRemaining()) at += channel.write(chunk, at);
            }
            position = at;
            return new Span(offset, (long) data.length * Float.BYTES);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write ONNX external data file " + file, e);
        }
    }

    /** Appends int8 {@code data} at the next aligned offset. */
    Span append(byte[] data) {
        try {
            long offset = align();
            long at = offset;
            ByteBuffer all = ByteBuffer.wrap(data);
            while (all.hasRemaining()) at += channel.write(all, at);
            position = at;
            return new Span(offset, data.length);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write ONNX external data file " + file, e);
        }
    }

    /** Pads the file to the next aligned offset and returns it. */
    private long align() throws IOException {
        long offset = (position + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
        if (offset > position) channel.write(ByteBuffer.allocate((int) (offset - position)), position);
        return offset;
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close ONNX external data file " + file, e);
        }
    }
}
