package dev.anomalyedge.mqtt;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Results that can never be delivered (the broker refused them for good, or the client cannot send them at all),
 * kept on disk for an operator instead of blocking the queue or vanishing.
 *
 * <p>One file per result, {@code dead-<seq, 20 digits>-<epoch ms>.json}, written to a temporary file, fsync'd and
 * renamed. Content: {@code {"seq","topic","qos","retain","queued_at","dead_lettered_at","reason","payload"}} where
 * {@code payload} is the result JSON as it was queued ({@code payload_base64} for bytes that are not JSON).
 *
 * <p>Bounded by a number of files and their total bytes: to make room the oldest files are deleted (logged). A
 * single result larger than the byte bound is kept without its payload ({@code "payload_omitted"} says how big it
 * was), so its sequence and reason are still on record.
 *
 * <p>Thread-safe: every method holds the store's lock.
 */
final class DeadLetterStore {

    private static final Logger LOG = Logger.getLogger(DeadLetterStore.class);
    private static final String PREFIX = "dead-";
    private static final String SUFFIX = ".json";

    // the same exact-number settings as Payloads, so a stored result keeps its numbers digit for digit
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .setNodeFactory(JsonNodeFactory.withExactBigDecimals(true));

    private final Path dir;
    private final long maxFiles;
    private final long maxBytes;
    private final ArrayDeque<Stored> files = new ArrayDeque<>();   // oldest first
    private long bytes;

    private record Stored(Path path, long bytes) { }

    /**
     * Opens (or creates) the store in {@code dir}, taking over the files already there.
     *
     * @throws UncheckedIOException if the folder cannot be read or created
     */
    DeadLetterStore(Path dir, long maxFiles, long maxBytes) {
        if (maxFiles <= 0 || maxBytes <= 0) {
            throw new IllegalArgumentException("dead-letter bounds must be > 0: maxMessages=" + maxFiles
                    + ", maxBytes=" + maxBytes);
        }
        this.dir = dir;
        this.maxFiles = maxFiles;
        this.maxBytes = maxBytes;
        try {
            Files.createDirectories(dir);
            List<Path> found;
            try (Stream<Path> list = Files.list(dir)) {
                found = list.sorted().toList();
            }
            for (Path p : found) {
                String name = p.getFileName().toString();
                if (name.endsWith(".tmp")) {
                    Files.deleteIfExists(p);   // a write cut short by a crash
                } else if (name.startsWith(PREFIX) && name.endsWith(SUFFIX)) {
                    long size = Files.size(p);
                    files.addLast(new Stored(p, size));
                    bytes += size;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the MQTT dead-letter folder " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Stores one undeliverable message with the reason, durably, making room by deleting the oldest files.
     *
     * @return the file written
     * @throws UncheckedIOException if it cannot be written (the caller keeps the message queued and tries again)
     */
    synchronized Path add(QueuedMessage m, String reason, Instant now) {
        byte[] content = render(m, reason, now, true);
        if (content.length > maxBytes) {
            content = render(m, reason, now, false);
        }
        Path file = dir.resolve(String.format("%s%020d-%d%s", PREFIX, m.sequence(), now.toEpochMilli(), SUFFIX));
        Path tmp = dir.resolve(file.getFileName() + ".tmp");
        try {
            try (RandomAccessFile f = new RandomAccessFile(tmp.toFile(), "rw")) {
                f.setLength(0);
                f.write(content);
                f.getFD().sync();
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // removed on the next open
            }
            throw new UncheckedIOException("cannot write dead letter " + file + ": " + e.getMessage(), e);
        }
        files.addLast(new Stored(file, content.length));
        bytes += content.length;
        makeRoom();
        return file;
    }

    /** Dead letters on disk now. */
    synchronized long count() {
        return files.size();
    }

    /** Their total bytes. */
    synchronized long bytes() {
        return bytes;
    }

    Path directory() {
        return dir;
    }

    private void makeRoom() {
        int deleted = 0;
        while (files.size() > 1 && (files.size() > maxFiles || bytes > maxBytes)) {
            Stored oldest = files.removeFirst();
            bytes -= oldest.bytes();
            try {
                Files.deleteIfExists(oldest.path());
            } catch (IOException e) {
                LOG.warnf("cannot delete dead letter %s: %s", oldest.path(), e.getMessage());
            }
            deleted++;
        }
        if (deleted > 0) {
            LOG.warnf("MQTT dead-letter folder %s is at its bounds (%d files, %d bytes): deleted the %d oldest",
                    dir, maxFiles, maxBytes, deleted);
        }
    }

    private static byte[] render(QueuedMessage m, String reason, Instant now, boolean withPayload) {
        ObjectNode n = JSON.createObjectNode();
        n.put("seq", m.sequence());
        n.put("topic", m.topic());
        n.put("qos", m.qos());
        n.put("retain", m.retain());
        n.put("queued_at", m.createdAt().toString());
        n.put("dead_lettered_at", now.toString());
        n.put("reason", reason);
        if (m.correlationData() != null) {
            n.put("correlation_data_base64", Base64.getEncoder().encodeToString(m.correlationData()));
        }
        if (!withPayload) {
            n.put("payload_omitted", m.payload().length + " bytes, more than the dead-letter byte bound");
        } else {
            JsonNode payload = parse(m.payload());
            if (payload != null) {
                n.set("payload", payload);
            } else {
                n.put("payload_base64", Base64.getEncoder().encodeToString(m.payload()));
            }
        }
        try {
            return JSON.writeValueAsBytes(n);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a dead letter as JSON", e);
        }
    }

    /** The payload as JSON, or null if it is not JSON. */
    private static JsonNode parse(byte[] payload) {
        try {
            JsonNode node = JSON.readTree(payload);
            return node == null || node.isMissingNode() ? null : node;
        } catch (IOException e) {
            return null;
        }
    }
}
