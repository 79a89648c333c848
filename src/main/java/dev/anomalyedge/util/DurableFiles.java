package dev.anomalyedge.util;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Replacing a small file (a pointer, a manifest, a report) so that a crash or power cut leaves either the old content or
 * the new one, never a mix: the bytes go to {@code <name>.tmp} beside it, which is flushed to disk, renamed over the
 * file in one step, and then the folder is flushed so that the rename itself is durable (POSIX).
 *
 * <p>One replacement runs at a time in the process, so two writers never share the temporary name; a crash leaves at
 * most that one {@code .tmp}, which the next replacement overwrites. A failed write deletes it and leaves the file as
 * it was.
 */
public final class DurableFiles {
    private DurableFiles() {}

    private static final Object ONE_AT_A_TIME = new Object();

    /** The temporary sibling {@link #replace} writes first. */
    public static Path temporary(Path file) {
        return file.resolveSibling(file.getFileName() + ".tmp");
    }

    /** Replaces {@code file} with {@code bytes} durably and atomically (see the class comment). */
    public static void replace(Path file, byte[] bytes) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Path tmp = temporary(file);
        synchronized (ONE_AT_A_TIME) {
            try {
                try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                        StandardOpenOption.WRITE)) {
                    ByteBuffer b = ByteBuffer.wrap(bytes);
                    while (b.hasRemaining()) out.write(b);
                    out.force(true);
                }
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException | RuntimeException e) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException | RuntimeException cleanup) {
                    e.addSuppressed(cleanup);
                }
                throw e;
            }
            try (FileChannel folder = FileChannel.open(dir, StandardOpenOption.READ)) {
                folder.force(true);
            }
        }
    }
}
