package dev.anomalyedge.sparkplug;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import org.jboss.logging.Logger;

/**
 * The Sparkplug birth/death sequence ({@code bdSeq}, 0…255, wrapping), one per MQTT CONNECT, kept in a small file so
 * that a restarted appliance does not repeat the value of its previous session (a host would match the old NDEATH to
 * the new NBIRTH). A file that cannot be read starts over at 0; one that cannot be written is logged and the counter
 * goes on in memory.
 */
final class BdSeq {
    private static final Logger LOG = Logger.getLogger(BdSeq.class);

    private final Path file;
    private long last;

    /** @param file where the last value used is kept; it and its folder are created on the first {@link #next()} */
    BdSeq(Path file) {
        this.file = file;
        this.last = read(file);
    }

    /** The value of the next CONNECT: one more than the last (mod 256), stored before it is returned. */
    synchronized long next() {
        last = (last + 1) & 0xFF;
        write(last);
        return last;
    }

    private static long read(Path file) {
        try {
            if (!Files.exists(file)) return -1;   // the first value is then 0
            long v = Long.parseLong(Files.readString(file, StandardCharsets.US_ASCII).trim());
            return v >= 0 && v <= 255 ? v : -1;
        } catch (IOException | NumberFormatException e) {
            LOG.warnf("Sparkplug bdSeq file %s unreadable (%s); starting at 0", file, e.getMessage());
            return -1;
        }
    }

    private void write(long value) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            Path tmp = Files.createTempFile(parent, "bdseq", ".tmp");
            Files.writeString(tmp, Long.toString(value), StandardCharsets.US_ASCII);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | UncheckedIOException e) {
            LOG.errorf("Sparkplug bdSeq %d not stored in %s: %s", value, file, e.getMessage());
        }
    }
}
