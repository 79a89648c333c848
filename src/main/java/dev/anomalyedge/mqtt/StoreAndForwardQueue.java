package dev.anomalyedge.mqtt;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import java.util.zip.CRC32;

import org.jboss.logging.Logger;

/**
 * A bounded FIFO of MQTT messages on disk that survives a process restart or a crash.
 *
 * <p>Layout of the folder:
 * <ul>
 *   <li>{@code segment-<first sequence>.log}: append-only record files. A record is
 *       {@code [int magic][int bodyLength][int crc32(body)][body]} with body
 *       {@code [long seq][long epochSecond][int nano][byte qos][byte flags][u16 topicLength][topic UTF-8][int payloadLength][payload]},
 *       followed by {@code [u16 correlationLength][correlation data]} when flag bit 2 is set (a trigger's response;
 *       records written before that flag existed never set it and read as before).
 *       Each append is fsync'd before {@link #append} returns. A new segment is started when the current one
 *       reaches the segment size, and on every open (old segments are only read, so a torn tail never has new
 *       records written after it).</li>
 *   <li>{@code commit}: the position up to which messages were removed (acknowledged or dropped), the dropped
 *       counter and the sequence up to which lost (damaged) records are already counted, with its own CRC32,
 *       replaced atomically (write {@code commit.tmp}, fsync, rename).</li>
 *   <li>{@code lock}: held while the queue is open, so a second process cannot write the same folder.</li>
 * </ul>
 *
 * <p>On open every segment is scanned: a record whose marker, length or CRC is wrong (a write torn by a crash, or
 * a damaged disk) is logged and skipped, and the scan resumes at the next intact record. Unremoved messages lost
 * that way (the sequences missing between intact records; one for a torn end of a file) count into
 * {@link #dropped()} once, not again at the next open, and their sequences are never reused, so a subscriber sees
 * the gap. Segments whose records are all removed are deleted, so the disk holds the backlog plus at most about
 * one segment of removed records.
 *
 * <p>Bounds: {@link #bytes()} (record bytes of the unremoved messages) never exceeds {@code maxBytes} and
 * {@link #size()} never exceeds {@code maxMessages}. When a new message would break a bound the {@link DropPolicy}
 * decides: {@code DROP_OLDEST} removes the oldest messages, {@code REJECT_NEW} throws {@link QueueFullException}.
 * The bounds also apply on open (a backlog written under larger bounds): {@code DROP_OLDEST} drops the oldest
 * messages down to the bounds; {@code REJECT_NEW} never drops what it accepted, so it keeps that backlog (the one
 * case where the bounds are exceeded) and refuses new messages until it is below them. Every drop, refusal and
 * lost record counts into {@link #dropped()}, which is persisted at once.
 *
 * <p>Thread-safe: every method holds the queue's lock. File I/O goes through {@link RandomAccessFile} streams and
 * {@code FileDescriptor.sync()} (the same fsync as {@code FileChannel.force}) rather than a {@code FileChannel},
 * because interrupting a thread that is inside a {@code FileChannel} operation closes the channel, which would
 * disable the queue for every other thread.
 */
public final class StoreAndForwardQueue implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(StoreAndForwardQueue.class);

    public static final long DEFAULT_SEGMENT_BYTES = 4L * 1024 * 1024;

    static final int RECORD_MAGIC = 0x5146_5231;   // "QFR1"
    static final int HEADER_BYTES = 12;             // magic, body length, crc32
    static final int FIXED_BODY_BYTES = 8 + 8 + 4 + 1 + 1 + 2 + 4;
    private static final int COMMIT_MAGIC_V1 = 0x5146_4331;   // "QFC1": removedUpTo, dropped
    private static final int COMMIT_MAGIC = 0x5146_4332;      // "QFC2": removedUpTo, dropped, lossCountedUpTo
    private static final int COMMIT_V1_BYTES = 4 + 8 + 8 + 4;
    private static final int COMMIT_BYTES = 4 + 8 + 8 + 8 + 4;
    private static final String SEGMENT_PREFIX = "segment-";
    private static final String SEGMENT_SUFFIX = ".log";
    private static final int FLAG_RETAIN = 1;
    private static final int FLAG_CORRELATION = 2;

    private final Path dir;
    private final long maxBytes;
    private final long maxMessages;
    private final DropPolicy policy;
    private final long segmentBytes;

    private final FileChannel lockChannel;
    private final FileLock lock;
    private final ArrayDeque<Segment> segments = new ArrayDeque<>();   // oldest first
    private final ArrayDeque<Entry> pending = new ArrayDeque<>();      // unremoved messages, oldest first
    private Segment active;        // segment taking appends; null until the first append after open or a roll
    private long pendingBytes;
    private long removedUpTo;      // every sequence <= removedUpTo was acknowledged or dropped
    private long dropped;
    private long lossCountedUpTo;  // records lost (damaged) at or below this sequence are already in dropped
    private long nextSeq;
    private boolean overflowing;   // for logging only the first drop of a run of drops
    private boolean closed;

    /** Opens (or creates) the queue of {@code settings.queueDir()} with its bounds and drop policy. */
    public static StoreAndForwardQueue open(MqttSettings settings) {
        return new StoreAndForwardQueue(settings.queueDir(), settings.queueMaxBytes(), settings.queueMaxMessages(),
                settings.dropPolicy());
    }

    public StoreAndForwardQueue(Path dir, long maxBytes, long maxMessages, DropPolicy policy) {
        this(dir, maxBytes, maxMessages, policy, DEFAULT_SEGMENT_BYTES);
    }

    /**
     * Opens the queue in {@code dir} (created if missing), restoring every message that was appended and not yet
     * removed.
     *
     * @throws IllegalStateException if another process (or another open queue in this JVM) holds the folder
     * @throws UncheckedIOException  if the folder cannot be read or written
     */
    public StoreAndForwardQueue(Path dir, long maxBytes, long maxMessages, DropPolicy policy, long segmentBytes) {
        if (maxBytes <= 0 || maxMessages <= 0 || segmentBytes <= 0) {
            throw new IllegalArgumentException("queue bounds must be > 0: maxBytes=" + maxBytes + ", maxMessages="
                    + maxMessages + ", segmentBytes=" + segmentBytes);
        }
        this.dir = dir;
        this.maxBytes = maxBytes;
        this.maxMessages = maxMessages;
        this.policy = Objects.requireNonNull(policy, "policy");
        this.segmentBytes = segmentBytes;
        try {
            Files.createDirectories(dir);
            lockChannel = FileChannel.open(dir.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock l;
            try {
                l = lockChannel.tryLock();
            } catch (OverlappingFileLockException e) {
                l = null;
            }
            if (l == null) {
                lockChannel.close();
                throw new IllegalStateException("store-and-forward queue " + dir + " is already open (in this or another process)");
            }
            lock = l;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open store-and-forward queue " + dir + ": " + e.getMessage(), e);
        }
        try {
            restore();
        } catch (IOException | RuntimeException e) {
            close();
            throw e instanceof IOException io
                    ? new UncheckedIOException("cannot open store-and-forward queue " + dir + ": " + io.getMessage(), io)
                    : (RuntimeException) e;
        }
    }

    // ---------------------------------------------------------------- public API

    /**
     * Appends a message (its sequence field is ignored) and returns its sequence number, once the record is on disk.
     *
     * @throws QueueFullException   if the queue is full and the policy is {@code REJECT_NEW}, or the message alone
     *                              is larger than {@code maxBytes}; counted in {@link #dropped()}
     * @throws UncheckedIOException if the record cannot be written; the queue stays usable
     */
    public synchronized long append(QueuedMessage message) {
        ensureOpen();
        long seq = nextSeq;
        byte[] record = encode(message.withSequence(seq));
        if (record.length > maxBytes) {
            dropped++;
            commitQuietly();
            throw new QueueFullException("message of " + record.length + " bytes for " + message.topic()
                    + " is larger than the whole queue bound of " + maxBytes + " bytes; refused");
        }
        if (wouldOverflow(record.length)) {
            if (policy == DropPolicy.REJECT_NEW) {
                dropped++;
                commitQuietly();
                String text = "store-and-forward queue " + dir + " is full (" + pending.size() + " messages, "
                        + pendingBytes + " bytes; bounds " + maxMessages + " messages, " + maxBytes
                        + " bytes): new message refused (policy REJECT_NEW), " + dropped + " refused or dropped so far";
                logOverflowOnce(text);
                throw new QueueFullException(text);
            }
            int before = pending.size();
            while (wouldOverflow(record.length)) {
                Entry oldest = pending.removeFirst();
                pendingBytes -= oldest.recordBytes;
                removedUpTo = oldest.seq;
                dropped++;
            }
            logOverflowOnce("store-and-forward queue " + dir + " is full (bounds " + maxMessages + " messages, "
                    + maxBytes + " bytes): dropped the " + (before - pending.size())
                    + " oldest message(s) (policy DROP_OLDEST), " + dropped + " dropped so far");
            writeCommit();
            deleteRemovedSegments();
        } else {
            overflowing = false;
        }
        Segment segment = segmentForAppend();
        long offset = segment.size;
        try {
            segment.file.seek(offset);
            segment.file.write(record);
            segment.file.getFD().sync();
        } catch (IOException e) {
            truncateQuietly(segment, offset);
            throw new UncheckedIOException("cannot write to store-and-forward queue " + segment.path + ": " + e.getMessage(), e);
        }
        segment.size = offset + record.length;
        segment.lastSeq = seq;
        pending.addLast(new Entry(seq, segment, offset, record.length));
        pendingBytes += record.length;
        nextSeq = seq + 1;
        return seq;
    }

    /** The oldest unremoved message, read back from disk. */
    public synchronized Optional<QueuedMessage> peek() {
        List<QueuedMessage> one = peek(1);
        return one.isEmpty() ? Optional.empty() : Optional.of(one.get(0));
    }

    /**
     * Up to {@code max} of the oldest unremoved messages, in order. A record that no longer reads back intact
     * (the disk changed it after it was written) is logged, counted as dropped and removed.
     */
    public synchronized List<QueuedMessage> peek(int max) {
        ensureOpen();
        List<QueuedMessage> out = new ArrayList<>(Math.min(max, pending.size()));
        List<Entry> damaged = new ArrayList<>();
        for (Entry e : pending) {
            if (out.size() >= max) {
                break;
            }
            try {
                out.add(read(e));
            } catch (IOException | IllegalStateException ex) {
                LOG.errorf("store-and-forward queue: record %d at offset %d of %s no longer reads back (%s); dropping it",
                        e.seq, e.offset, e.segment.path, ex.getMessage());
                damaged.add(e);
            }
        }
        if (!damaged.isEmpty()) {
            pending.removeAll(damaged);
            for (Entry e : damaged) {
                pendingBytes -= e.recordBytes;
                dropped++;
                lossCountedUpTo = Math.max(lossCountedUpTo, e.seq);   // the next open finds it damaged too
            }
            commitQuietly();
            return peek(max);
        }
        return out;
    }

    /**
     * Removes every message with a sequence up to and including {@code seq} (call it once the broker acknowledged
     * that message). Sequences that were already removed, e.g. dropped while in flight, are ignored.
     */
    public synchronized void acknowledge(long seq) {
        ensureOpen();
        if (seq >= nextSeq) {
            throw new IllegalArgumentException("cannot acknowledge sequence " + seq + ": the last appended is " + (nextSeq - 1));
        }
        if (seq <= removedUpTo) {
            return;
        }
        while (!pending.isEmpty() && pending.peekFirst().seq <= seq) {
            pendingBytes -= pending.removeFirst().recordBytes;
        }
        removedUpTo = seq;
        writeCommit();
        deleteRemovedSegments();
    }

    /** Number of messages not yet removed. */
    public synchronized long size() { return pending.size(); }

    /** Record bytes (header included) of the messages not yet removed. */
    public synchronized long bytes() { return pendingBytes; }

    /**
     * Messages dropped (DROP_OLDEST, also on open), refused (REJECT_NEW or too large) or lost to damage (found on
     * open or on reading), since the queue was made.
     */
    public synchronized long dropped() { return dropped; }

    /** The sequence number the next appended message will get; every message queued so far has a lower one. */
    public synchronized long nextSequence() { return nextSeq; }

    /** Number of segment files on disk (for tests and diagnostics). */
    public synchronized int segmentCount() { return segments.size(); }

    public Path directory() { return dir; }

    /** Closes the files; everything unremoved stays on disk for the next open. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Segment s : segments) {
            closeQuietly(s);
            if (s.size == 0) {
                deleteQuietly(s.path);
            }
        }
        segments.clear();
        try {
            lock.release();
            lockChannel.close();
        } catch (IOException e) {
            LOG.warnf("store-and-forward queue %s: cannot release lock: %s", dir, e.getMessage());
        }
    }

    // ---------------------------------------------------------------- restore on open

    private void restore() throws IOException {
        Files.deleteIfExists(dir.resolve("commit.tmp"));
        readCommit();
        long droppedBefore = dropped;
        long lossCountedBefore = lossCountedUpTo;
        List<Path> files;
        try (Stream<Path> list = Files.list(dir)) {
            files = list.filter(StoreAndForwardQueue::isSegmentFile)
                    .sorted((a, b) -> Long.compare(firstSeqOf(a), firstSeqOf(b)))
                    .toList();
        }
        long maxSeenSeq = 0;   // sequences start at 1 and only grow
        // every sequence up to here is removed, or its loss is counted; segments before the first file were deleted
        // because all their records were removed
        long accounted = Math.max(removedUpTo, lossCountedUpTo);
        if (!files.isEmpty()) {
            accounted = Math.max(accounted, firstSeqOf(files.get(0)) - 1);
        }
        long tornAfter = -1;   // the previous segment ends in damage after this sequence; -1: it ends intact
        long lost = 0;
        for (Path path : files) {
            long firstSeq = firstSeqOf(path);
            if (tornAfter >= 0) {
                // the records from the damage up to this segment's first sequence are lost, at least the torn one
                long lastLost = Math.max(firstSeq - 1, tornAfter + 1);
                lost += Math.max(0, lastLost - Math.max(tornAfter, accounted));
                accounted = Math.max(accounted, lastLost);
            }
            Segment segment = new Segment(path, firstSeq, new RandomAccessFile(path.toFile(), "rw"));
            segment.size = segment.file.length();
            segments.addLast(segment);
            byte[] data = Files.readAllBytes(path);
            int pos = 0;
            tornAfter = -1;
            while (pos < data.length) {
                String problem = checkRecord(data, pos, data.length - pos, maxSeenSeq);
                if (problem == null) {
                    int length = HEADER_BYTES + ByteBuffer.wrap(data, pos + 4, 4).getInt();
                    long seq = ByteBuffer.wrap(data, pos + HEADER_BYTES, 8).getLong();
                    lost += Math.max(0, seq - 1 - accounted);   // sequences missing before this one: damaged
                    accounted = Math.max(accounted, seq);
                    segment.lastSeq = seq;
                    maxSeenSeq = seq;
                    if (seq > removedUpTo) {
                        pending.addLast(new Entry(seq, segment, pos, length));
                        pendingBytes += length;
                    }
                    pos += length;
                    continue;
                }
                int next = nextIntactRecord(data, pos + 1, maxSeenSeq);
                int skipped = (next < 0 ? data.length : next) - pos;
                LOG.warnf("store-and-forward queue: %s at offset %d of %s; skipped %d byte(s)%s", problem, pos,
                        path, skipped, next < 0 ? " to the end of the file" : "");
                if (next < 0) {
                    tornAfter = Math.max(segment.lastSeq, maxSeenSeq);
                    break;
                }
                pos = next;
            }
        }
        if (tornAfter >= 0) {
            long torn = tornAfter + 1;   // the record being written when the process stopped
            lost += Math.max(0, torn - Math.max(tornAfter, accounted));
            accounted = Math.max(accounted, torn);
        }
        if (lost > 0) {
            dropped += lost;
            LOG.errorf("store-and-forward queue %s: %d unacknowledged message(s) lost to damaged records (counted as "
                    + "dropped; their sequences are not reused)", dir, lost);
        }
        lossCountedUpTo = accounted;
        nextSeq = Math.max(Math.max(removedUpTo, maxSeenSeq), accounted) + 1;
        applyBoundsOnOpen();
        // segments holding nothing unremoved (all acknowledged or dropped, empty, or only damaged records) are done with
        Set<Segment> holding = new HashSet<>();
        pending.forEach(e -> holding.add(e.segment));
        for (var it = segments.iterator(); it.hasNext(); ) {
            Segment s = it.next();
            if (!holding.contains(s)) {
                closeQuietly(s);
                Files.delete(s.path);
                it.remove();
            }
        }
        if (dropped != droppedBefore || lossCountedUpTo != lossCountedBefore) {
            writeCommit();
        }
        if (!pending.isEmpty()) {
            LOG.infof("store-and-forward queue %s: restored %d message(s), %d bytes (sequences %d..%d)", dir,
                    pending.size(), pendingBytes, pending.peekFirst().seq, pending.peekLast().seq);
        }
    }

    /** A backlog written under larger bounds: DROP_OLDEST drops down to the bounds, REJECT_NEW keeps it all. */
    private void applyBoundsOnOpen() {
        if (pending.size() <= maxMessages && pendingBytes <= maxBytes) {
            return;
        }
        String found = pending.size() + " messages, " + pendingBytes + " bytes";
        if (policy == DropPolicy.REJECT_NEW) {
            LOG.warnf("store-and-forward queue %s holds %s, above its bounds (%d messages, %d bytes): kept (policy "
                    + "REJECT_NEW never drops an accepted message); new messages are refused until it is below them",
                    dir, found, maxMessages, maxBytes);
            return;
        }
        int before = pending.size();
        while (pending.size() > maxMessages || pendingBytes > maxBytes) {
            Entry oldest = pending.removeFirst();
            pendingBytes -= oldest.recordBytes;
            removedUpTo = oldest.seq;
            dropped++;
        }
        LOG.warnf("store-and-forward queue %s held %s, above its bounds (%d messages, %d bytes): dropped the %d "
                + "oldest (policy DROP_OLDEST)", dir, found, maxMessages, maxBytes, before - pending.size());
    }

    /** Why the record at {@code pos} is not intact, or null if it is (and its sequence follows {@code previousSeq}). */
    private String checkRecord(byte[] data, int pos, int remaining, long previousSeq) {
        if (remaining < HEADER_BYTES) {
            return "torn record header (" + remaining + " of " + HEADER_BYTES + " bytes)";
        }
        ByteBuffer header = ByteBuffer.wrap(data, pos, HEADER_BYTES);
        int magic = header.getInt();
        int bodyLength = header.getInt();
        int crc = header.getInt();
        if (magic != RECORD_MAGIC) {
            return "no record marker";
        }
        if (bodyLength < FIXED_BODY_BYTES || bodyLength > remaining - HEADER_BYTES) {
            return "torn or damaged record (body length " + bodyLength + ", " + (remaining - HEADER_BYTES)
                    + " bytes left in the file)";
        }
        if (crc32(data, pos + HEADER_BYTES, bodyLength) != crc) {
            return "CRC mismatch";
        }
        ByteBuffer body = ByteBuffer.wrap(data, pos + HEADER_BYTES, bodyLength);
        long seq = body.getLong();
        if (seq <= previousSeq) {
            return "sequence " + seq + " not after " + previousSeq;
        }
        body.position(body.position() + 8 + 4 + 1);
        boolean correlation = (body.get() & FLAG_CORRELATION) != 0;
        int topicLength = Short.toUnsignedInt(body.getShort());
        if (FIXED_BODY_BYTES + topicLength > bodyLength) {
            return "inconsistent topic length";
        }
        body.position(body.position() + topicLength);
        int payloadLength = body.getInt();
        long end = FIXED_BODY_BYTES + topicLength + (long) payloadLength;
        if (correlation) {
            if (payloadLength < 0 || end + 2 > bodyLength) {
                return "inconsistent payload length";
            }
            body.position(body.position() + payloadLength);
            end += 2 + Short.toUnsignedInt(body.getShort());
        }
        if (end != bodyLength) {
            return correlation ? "inconsistent correlation data length" : "inconsistent payload length";
        }
        return null;
    }

    private int nextIntactRecord(byte[] data, int from, long previousSeq) {
        for (int pos = from; pos + HEADER_BYTES <= data.length; pos++) {
            if (ByteBuffer.wrap(data, pos, 4).getInt() == RECORD_MAGIC
                    && checkRecord(data, pos, data.length - pos, previousSeq) == null) {
                return pos;
            }
        }
        return -1;
    }

    // ---------------------------------------------------------------- records

    static byte[] encode(QueuedMessage m) {
        byte[] topic = m.topic().getBytes(StandardCharsets.UTF_8);
        if (topic.length > 0xFFFF) {
            throw new IllegalArgumentException("MQTT topic longer than 65535 bytes: " + topic.length);
        }
        byte[] correlation = m.correlationData();
        if (correlation != null && correlation.length > 0xFFFF) {
            throw new IllegalArgumentException("MQTT correlation data longer than 65535 bytes: " + correlation.length);
        }
        int bodyLength = FIXED_BODY_BYTES + topic.length + m.payload().length
                + (correlation == null ? 0 : 2 + correlation.length);
        int flags = (m.retain() ? FLAG_RETAIN : 0) | (correlation == null ? 0 : FLAG_CORRELATION);
        ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES + bodyLength);
        b.putInt(RECORD_MAGIC).putInt(bodyLength).putInt(0);   // crc filled in below
        b.putLong(m.sequence())
                .putLong(m.createdAt().getEpochSecond()).putInt(m.createdAt().getNano())
                .put((byte) m.qos()).put((byte) flags)
                .putShort((short) topic.length).put(topic)
                .putInt(m.payload().length).put(m.payload());
        if (correlation != null) {
            b.putShort((short) correlation.length).put(correlation);
        }
        byte[] record = b.array();
        ByteBuffer.wrap(record, 8, 4).putInt(crc32(record, HEADER_BYTES, bodyLength));
        return record;
    }

    private QueuedMessage read(Entry e) throws IOException {
        byte[] record = new byte[e.recordBytes];
        e.segment.file.seek(e.offset);
        e.segment.file.readFully(record);
        String problem = checkRecord(record, 0, record.length, e.seq - 1);
        if (problem != null) {
            throw new IllegalStateException(problem);
        }
        ByteBuffer b = ByteBuffer.wrap(record, HEADER_BYTES, record.length - HEADER_BYTES);
        long seq = b.getLong();
        Instant createdAt = Instant.ofEpochSecond(b.getLong(), b.getInt());
        int qos = b.get();
        int flags = b.get();
        byte[] topic = new byte[Short.toUnsignedInt(b.getShort())];
        b.get(topic);
        byte[] payload = new byte[b.getInt()];
        b.get(payload);
        byte[] correlation = null;
        if ((flags & FLAG_CORRELATION) != 0) {
            correlation = new byte[Short.toUnsignedInt(b.getShort())];
            b.get(correlation);
        }
        return new QueuedMessage(seq, new String(topic, StandardCharsets.UTF_8), payload, qos,
                (flags & FLAG_RETAIN) != 0, createdAt, correlation);
    }

    private static int crc32(byte[] data, int offset, int length) {
        CRC32 crc = new CRC32();
        crc.update(data, offset, length);
        return (int) crc.getValue();
    }

    // ---------------------------------------------------------------- segments

    private Segment segmentForAppend() {
        if (active != null && active.size < segmentBytes) {
            return active;
        }
        Path path = dir.resolve(String.format("%s%020d%s", SEGMENT_PREFIX, nextSeq, SEGMENT_SUFFIX));
        try {
            Segment s = new Segment(path, nextSeq, new RandomAccessFile(path.toFile(), "rw"));
            s.file.setLength(0);
            syncDirectory();
            segments.addLast(s);
            active = s;
            deleteRemovedSegments();
            return s;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create queue segment " + path + ": " + e.getMessage(), e);
        }
    }

    /** Deletes the oldest segments once all their records are removed (the active one only once it is full). */
    private void deleteRemovedSegments() {
        while (!segments.isEmpty()) {
            Segment s = segments.peekFirst();
            boolean allRemoved = s.lastSeq <= removedUpTo && (s != active || s.size >= segmentBytes);
            if (!allRemoved) {
                return;
            }
            segments.removeFirst();
            if (s == active) {
                active = null;
            }
            closeQuietly(s);
            deleteQuietly(s.path);
        }
    }

    private static boolean isSegmentFile(Path p) {
        String name = p.getFileName().toString();
        return name.startsWith(SEGMENT_PREFIX) && name.endsWith(SEGMENT_SUFFIX) && firstSeqOf(p) >= 0;
    }

    private static long firstSeqOf(Path p) {
        String name = p.getFileName().toString();
        try {
            return Long.parseLong(name.substring(SEGMENT_PREFIX.length(), name.length() - SEGMENT_SUFFIX.length()));
        } catch (NumberFormatException | IndexOutOfBoundsException e) {
            return -1;
        }
    }

    // ---------------------------------------------------------------- commit file

    private void readCommit() throws IOException {
        Path commit = dir.resolve("commit");
        if (!Files.exists(commit)) {
            return;
        }
        byte[] data = Files.readAllBytes(commit);
        int magic = data.length >= 4 ? ByteBuffer.wrap(data).getInt() : 0;
        int length = magic == COMMIT_MAGIC ? COMMIT_BYTES : COMMIT_V1_BYTES;
        if ((magic != COMMIT_MAGIC && magic != COMMIT_MAGIC_V1) || data.length != length
                || crc32(data, 0, length - 4) != ByteBuffer.wrap(data, length - 4, 4).getInt()) {
            // at-least-once: without a trustworthy position every stored message is sent again
            LOG.warnf("store-and-forward queue: commit file %s is damaged (%d bytes); treating every stored message "
                    + "as unacknowledged", commit, data.length);
            return;
        }
        ByteBuffer b = ByteBuffer.wrap(data, 4, length - 4);
        removedUpTo = b.getLong();
        dropped = b.getLong();
        lossCountedUpTo = magic == COMMIT_MAGIC ? b.getLong() : removedUpTo;
    }

    private void writeCommit() {
        ByteBuffer b = ByteBuffer.allocate(COMMIT_BYTES);
        b.putInt(COMMIT_MAGIC).putLong(removedUpTo).putLong(dropped).putLong(lossCountedUpTo);
        b.putInt(crc32(b.array(), 0, COMMIT_BYTES - 4));
        Path tmp = dir.resolve("commit.tmp");
        try {
            try (RandomAccessFile f = new RandomAccessFile(tmp.toFile(), "rw")) {
                f.setLength(0);
                f.write(b.array());
                f.getFD().sync();
            }
            try {
                Files.move(tmp, dir.resolve("commit"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, dir.resolve("commit"), StandardCopyOption.REPLACE_EXISTING);
            }
            syncDirectory();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the commit file of store-and-forward queue " + dir + ": "
                    + e.getMessage(), e);
        }
    }

    /** Persists the counters where a failure must not hide the caller's own outcome; the next write retries. */
    private void commitQuietly() {
        try {
            writeCommit();
        } catch (UncheckedIOException e) {
            LOG.warnf("store-and-forward queue %s: dropped counter not persisted: %s", dir, e.getMessage());
        }
    }

    /** Makes a file creation or rename durable (POSIX); a no-op where directories cannot be opened. */
    private void syncDirectory() {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // Windows cannot open a directory; the rename is still atomic there
        }
    }

    // ---------------------------------------------------------------- helpers

    private boolean wouldOverflow(int recordBytes) {
        return pending.size() + 1 > maxMessages || pendingBytes + recordBytes > maxBytes;
    }

    private void logOverflowOnce(String text) {
        if (!overflowing) {
            LOG.warn(text);
            overflowing = true;
        } else {
            LOG.debug(text);
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("store-and-forward queue " + dir + " is closed");
        }
    }

    private static void truncateQuietly(Segment s, long length) {
        try {
            s.file.setLength(length);
        } catch (IOException ignored) {
            // the scan on the next open skips whatever was left
        }
    }

    private static void closeQuietly(Segment s) {
        try {
            s.file.close();
        } catch (IOException e) {
            LOG.debugf("closing %s: %s", s.path, e.getMessage());
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            LOG.warnf("store-and-forward queue: cannot delete %s: %s", p, e.getMessage());
        }
    }

    /** One segment file; {@code lastSeq} is the highest sequence written to it ({@code firstSeq - 1} while empty). */
    private static final class Segment {
        final Path path;
        final RandomAccessFile file;
        long size;
        long lastSeq;

        Segment(Path path, long firstSeq, RandomAccessFile file) {
            this.path = path;
            this.file = file;
            this.lastSeq = firstSeq - 1;
        }
    }

    /** Where an unremoved message lives. */
    private record Entry(long seq, Segment segment, long offset, int recordBytes) { }
}
