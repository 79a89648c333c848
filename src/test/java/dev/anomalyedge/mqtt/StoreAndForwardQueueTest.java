package dev.anomalyedge.mqtt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreAndForwardQueueTest {

    private static final long BIG = 1L << 30;

    @TempDir
    Path dir;

    private static QueuedMessage msg(int n) {
        return new QueuedMessage(QueuedMessage.UNASSIGNED, "anomaly/s/a/l/c/result",
                ("{\"n\":" + n + "}").getBytes(StandardCharsets.UTF_8), 1, n % 2 == 0,
                Instant.parse("2025-01-02T03:04:05.123456789Z").plusSeconds(n));
    }

    private static int n(QueuedMessage m) {
        String p = m.payloadUtf8();
        return Integer.parseInt(p.substring(p.indexOf(':') + 1, p.indexOf('}')));
    }

    private static List<Integer> ns(StoreAndForwardQueue q) {
        return q.peek(Integer.MAX_VALUE).stream().map(StoreAndForwardQueueTest::n).toList();
    }

    private static int recordBytes(int n) {
        return StoreAndForwardQueue.encode(msg(n).withSequence(1)).length;
    }

    private List<Path> segments() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith("segment-")).sorted().toList();
        }
    }

    @Test
    void keepsOrderAndRemovesOnlyWhatIsAcknowledged() {
        try (StoreAndForwardQueue q = new StoreAndForwardQueue(dir, BIG, 1000, DropPolicy.DROP_OLDEST)) {
            for (int i = 0; i < 5; i++) {
                assertEquals(i + 1, q.append(msg(i)), "sequences start at 1 and count up");
            }
            assertEquals(5, q.size());
            assertEquals(5L * recordBytes(0), q.bytes());
            List<QueuedMessage> all = q.peek(10);
            for (int i = 0; i < 5; i++) {
                assertEquals(msg(i).withSequence(i + 1), all.get(i), "content read back from disk");
            }
            assertEquals(1, q.peek().orElseThrow().sequence(), "peek does not remove");

            q.acknowledge(2);
            assertEquals(List.of(2, 3, 4), ns(q));
            assertEquals(3L * recordBytes(0), q.bytes());
            q.acknowledge(1);   // already gone: ignored
            assertEquals(3, q.size());
            assertThrows(IllegalArgumentException.class, () -> q.acknowledge(6), "not appended yet");
            q.acknowledge(5);
            assertTrue(q.peek().isEmpty());
            assertEquals(0, q.bytes());
        }
    }

    @Test
    void survivesCloseAndReopen() {
        try (StoreAndForwardQueue q = new StoreAndForwardQueue(dir, BIG, 1000, DropPolicy.DROP_OLDEST)) {
            for (int i = 0; i < 5; i++) {
                q.append(msg(i));
            }
            q.acknowledge(2);
        }
        try (StoreAndForwardQueue q = new StoreAndForwardQueue(dir, BIG, 1000, DropPolicy.DROP_OLDEST)) {
            assertEquals(3, q.size());
            assertEquals(3L * recordBytes(0), q.bytes());
            List<QueuedMessage> restored = q.peek(10);
            for (int i = 0; i < 3; i++) {
                assertEquals(msg(i + 2).withSequence(i + 3), restored.get(i), "topic, payload, qos, retain, time");
            }
            assertEquals(6, q.append(msg(5)), "sequences continue after a restart");
            q.acknowledge(6);
        }
        try (StoreAndForwardQueue q = new StoreAndForwardQueue(dir, BIG, 1000, DropPolicy.DROP_OLDEST)) {
            assertEquals(0, q.size());
            assertEquals(7, q.append(msg(6)), "no sequence is reused even when everything was acknowledged");
        }
    }

    @Test
    void aResponseKeepsItsTopicAndCorrelationDataAcrossAReopen() {
        byte[] correlation = {0, 1, 2, (byte) 0xFF, 'x'};
        QueuedMessage response = QueuedMessage.response("plc/replies/cell7", "{\"verdict\":\"OK\"}".getBytes(StandardCharsets.UTF_8),
                1, correlation);
        try (StoreAndForwardQueue q = new StoreAndForwardQueue(dir, BIG, 1000, DropPolicy.DROP_OLDEST)) {
            q.append(msg(0));
            q.append(response);
            q.append(QueuedMessage.response("plc/replies/no-correlation", new byte[] {'{', '}'}, 1, null));
            q.append(QueuedMessage.response("plc/replies/empty-correlation", new byte[] {'{', '}'}, 1, new byte[0]));
        }
        try (StoreAndForwardQueue q = new StoreAndForwardQueue(dir, BIG, 1000, DropPolicy.DROP_OLDEST)) {
            List<QueuedMessage> back = q.peek(10);
            assertEquals(4, back.size());
            assertEquals(msg(0).withSequence(1), back.get(0));
            assertEquals(null, back.get(0).correlationData());
            assertEquals(response.withSequence(2), back.get(1), "topic, payload and correlation data read back");
            assertEquals("plc/replies/cell7", back.get(1).topic());
            org.junit.jupiter.api.Assertions.assertArrayEquals(correlation, back.get(1).correlationData());
            assertEquals(null, back.get(2).correlationData(), "none stays none");
            org.junit.jupiter.api.Assertions.assertArrayEquals(new byte[0], back.get(3).correlationData(), "empty stays empty");
            assertEquals(0, q.dropped());
        }
    }

    /** A segment written before responses existed (no correlation flag, byte layout as documented) reads as before. */
    @Test
    void aQueueFileWrittenBeforeCorrelationDataIsReadAsBefore() throws IOException {
        Files.createDirectories(dir);
        byte[] topic = "plant/a/b/c/d/result".getBytes(StandardCharsets.UTF_8);
        byte[] payload = "{\"n\":1}".getBytes(StandardCharsets.UTF_8);
        int bodyLength = 8 + 8 + 4 + 1 + 1 + 2 + topic.length + 4 + payload.length;
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(12 + bodyLength);
        b.putInt(0x5146_5231).putInt(bodyLength).putInt(0);
        b.putLong(1).putLong(1_700_000_000L).putInt(5).put((byte) 1).put((byte) 1)
                .putShort((short) topic.length).put(topic).putInt(payload.length).put(payload);
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(b.array(), 12, bodyLength);
        b.putInt(8, (int) crc.getValue());
        Files.write(dir.resolve(String.format("segment-%020d.log", 1)), b.array());
        try (StoreAndForwardQueue q = new StoreAndForwardQueue(dir, BIG, 1000, DropPolicy.DROP_OLDEST)) {
            QueuedMessage m = q.peek().orElseThrow();
            assertEquals(new QueuedMessage(1, "plant/a/b/c/d/result", payload, 1, true, Instant.ofEpochSecond(1_700_000_000L, 5)), m);
            assertEquals(null, m.correlationData());
            assertEquals(0, q.dropped());
        }
    }

    @Test
    void tornTailRecordIsSkippedAndTheRestRestored() throws IOException {
        try (StoreAndForwardQueue q = new StoreAndForwardQueue(dir, BIG, 1000, DropPolicy.DROP_OLDEST)) {
            for (int i = 0; i < 3; i++) {
                q.append(msg(i));
            }
        }
        // a crash in the middle of writing the third record: only part of it reached the disk
        Path segment = segments().get(0);
        try (RandomAccessFile f = new RandomAccessFile(segment.toFile(), "rw")) {
            f.setLength(f.length() - 5);
        }
        try (StoreAndForwardQueue q = new StoreAndForwardQueue(dir, BIG, 1000, DropPolicy.DROP_OLDEST)) {
            assertEquals(List.of(0, 1), ns(q));
            assertEquals(1, q.dropped(), "the torn record is a lost message");
            assertEquals(4, q.append(msg(9)), "its sequence is not reused");
        }
        // and a torn header (a few bytes of the next record) at the end of the new segment
        Path second = segments().get(1);
        Files.write(second, new byte[] {0x51, 0x46, 0x52}, java.nio.file.StandardOpenOption.APPEND);
        try (StoreAndForwardQueue q = new StoreAndForwardQueue(dir, BIG, 1000, DropPolicy.DROP_OLDEST)) {
            assertEquals(List.of(0, 1, 9), ns(q));
            assertEquals(2, q.dropped());
        }
    }

    @Test
    void damagedRecordInTheMiddleIsSkippedByItsCrc() throws IOException {
        try (StoreAndForwardQueue q = new StoreAndForwardQueue(dir, BIG, 1000, DropPolicy.DROP_OLDEST)) {
            for (int i = 0; i < 3; i++) {
                q.append(msg(i));
            }
        }
        Path segment = segments().get(0);
        byte[] data = Files.readAllBytes(segment);
        int second = recordBytes(0);
        data[second + recordBytes(1) - 2] ^= 0x7F;   // flip a payload byte of record 2
        Files.write(segment, data);
        try (StoreAndForwardQueue q = new StoreAndForwardQueue(dir, BIG, 1000, DropPolicy.DROP_OLDEST)) {
            assertEquals(List.of(0, 2), ns(q), "the records before and after the damaged one survive");
        }
    }

    @Test
    void countBoundDropsTheOldestAndCountsThem() {
        try (StoreAndForwardQueue q = new StoreAndForwardQueue(dir, BIG, 3, DropPolicy.DROP_OLDEST)) {
            for (int i = 0; i < 5; i++) {
                q.append(msg(i));
            }
            assertEquals(List.of(2, 3, 4), ns(q));
            assertEquals(2, q.dropped());
            q.acknowledge(2);   // was dropped: ignored
            assertEquals(3, q.size());
        }
        try (StoreAndForwardQueue q = new StoreAndForwardQueue(dir, BIG, 3, DropPolicy.DROP_OLDEST)) {
            assertEquals(List.of(2, 3, 4), ns(q), "drops are persisted");
            assertEquals(2, q.dropped(), "so is the counter");
        }
    }

    @Test
    void byteBoundDropsTheOldest() {
        long bound = 3L * recordBytes(0) + recordBytes(0) / 2;   // room for three records, not four
        try (StoreAndForwardQueue q = new StoreAndForwardQueue(dir, bound, 1000, DropPolicy.DROP_OLDEST)) {
            for (int i = 0; i < 6; i++) {
                q.append(msg(i));
                assertTrue(q.bytes() <= bound);
            }
            assertEquals(List.of(3, 4, 5), ns(q));
            assertEquals(3, q.dropped());
        }
    }

    @Test
    void rejectNewRefusesAtTheBoundsAndSaysSo() {
        try (StoreAndForwardQueue q = new StoreAndForwardQueue(dir, BIG, 2, DropPolicy.REJECT_NEW)) {
            q.append(msg(0));
            q.append(msg(1));
            QueueFullException e = assertThrows(QueueFullException.class, () -> q.append(msg(2)));
            assertTrue(e.getMessage().contains("REJECT_NEW") && e.getMessage().contains("2 messages"), e.getMessage());
            assertEquals(List.of(0, 1), ns(q), "the backlog is untouched");
            assertEquals(1, q.dropped());
            q.acknowledge(1);
            assertEquals(3, q.append(msg(3)), "room again after an acknowledgement");
            assertEquals(List.of(1, 3), ns(q));
        }
        long bound = 2L * recordBytes(0);
        Path other = dir.resolve("bytes");
        try (StoreAndForwardQueue q = new StoreAndForwardQueue(other, bound, 1000, DropPolicy.REJECT_NEW)) {
            q.append(msg(0));
            q.append(msg(1));
            QueueFullException e = assertThrows(QueueFullException.class, () -> q.append(msg(2)));
            assertTrue(e.getMessage().contains(bound + " bytes"), e.getMessage());
            assertEquals(2, q.size());
            assertEquals(1, q.dropped());
        }
    }

    @Test
    void aMessageLargerThanTheWholeBoundIsRefusedUnderEitherPolicy() {
        try (StoreAndForwardQueue q = new StoreAndForwardQueue(dir, 100, 1000, DropPolicy.DROP_OLDEST)) {
            q.append(msg(0));
            QueuedMessage huge = QueuedMessage.of("t", new byte[200], 1, false);
            QueueFullException e = assertThrows(QueueFullException.class, () -> q.append(huge));
            assertTrue(e.getMessage().contains("larger than the whole queue bound"), e.getMessage());
            assertEquals(List.of(0), ns(q), "nothing dropped for a message that could never fit");
            assertEquals(1, q.dropped());
        }
    }

    @Test
    void segmentsRollAndAreDeletedOnceAcknowledged() throws IOException {
        long segmentBytes = 3L * recordBytes(0);
        try (StoreAndForwardQueue q = new StoreAndForwardQueue(dir, BIG, 1000, DropPolicy.DROP_OLDEST, segmentBytes)) {
            for (int i = 0; i < 10; i++) {
                q.append(msg(i));
            }
            assertEquals(4, segments().size(), "3 + 3 + 3 + 1 records");
            q.acknowledge(7);
            assertEquals(2, segments().size(), "fully acknowledged segments are gone");
            assertEquals(List.of(7, 8, 9), ns(q));
            q.acknowledge(10);
            q.append(msg(10));
            assertEquals(1, segments().size(), "the active segment is kept until it is full: " + segments());
        }
        try (StoreAndForwardQueue q = new StoreAndForwardQueue(dir, BIG, 1000, DropPolicy.DROP_OLDEST, segmentBytes)) {
            assertEquals(List.of(10), ns(q));
            assertEquals(1, segments().size(), "segments holding only acknowledged records are deleted on open");
        }
    }

    @Test
    void aFolderIsOpenedByOneQueueAtATime() {
        try (StoreAndForwardQueue q = new StoreAndForwardQueue(dir, BIG, 1000, DropPolicy.DROP_OLDEST)) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> new StoreAndForwardQueue(dir, BIG, 1000, DropPolicy.DROP_OLDEST));
            assertTrue(e.getMessage().contains("already open"), e.getMessage());
        }
        new StoreAndForwardQueue(dir, BIG, 1000, DropPolicy.DROP_OLDEST).close();   // free again after close
    }

    @Test
    void aDamagedCommitFileMeansResendRatherThanLose() throws IOException {
        try (StoreAndForwardQueue q = new StoreAndForwardQueue(dir, BIG, 1000, DropPolicy.DROP_OLDEST, 1)) {
            for (int i = 0; i < 3; i++) {
                q.append(msg(i));   // one record per segment
            }
            q.acknowledge(1);
        }
        Files.write(dir.resolve("commit"), new byte[] {1, 2, 3});
        try (StoreAndForwardQueue q = new StoreAndForwardQueue(dir, BIG, 1000, DropPolicy.DROP_OLDEST, 1)) {
            assertEquals(List.of(1, 2), ns(q), "record 1's segment was deleted; 2 and 3 are kept (at-least-once)");
            assertEquals(4, q.append(msg(3)));
        }
    }

    @Test
    void damagedRecordsFoundOnOpenCountAsDroppedOnce() throws IOException {
        try (StoreAndForwardQueue q = new StoreAndForwardQueue(dir, BIG, 1000, DropPolicy.DROP_OLDEST)) {
            for (int i = 0; i < 4; i++) {
                q.append(msg(i));
            }
        }
        Path segment = segments().get(0);
        byte[] data = Files.readAllBytes(segment);
        data[recordBytes(0) + recordBytes(1) - 2] ^= 0x7F;   // damage record 2 in the middle
        Files.write(segment, data);
        try (RandomAccessFile f = new RandomAccessFile(segment.toFile(), "rw")) {
            f.setLength(f.length() - 5);                   // and tear the last one (4)
        }
        try (StoreAndForwardQueue q = new StoreAndForwardQueue(dir, BIG, 1000, DropPolicy.DROP_OLDEST)) {
            assertEquals(List.of(0, 2), ns(q));
            assertEquals(2, q.dropped(), "the damaged and the torn record are lost messages");
        }
        try (StoreAndForwardQueue q = new StoreAndForwardQueue(dir, BIG, 1000, DropPolicy.DROP_OLDEST)) {
            assertEquals(List.of(0, 2), ns(q));
            assertEquals(2, q.dropped(), "counted once, not again at every open");
            assertEquals(5, q.append(msg(7)), "the torn record's sequence (4) is not reused: a subscriber sees the gap");
        }
        try (StoreAndForwardQueue q = new StoreAndForwardQueue(dir, BIG, 1000, DropPolicy.DROP_OLDEST)) {
            assertEquals(List.of(0, 2, 7), ns(q));
            assertEquals(2, q.dropped());
        }
    }

    @Test
    void aRecordDamagedAfterOpenIsCountedOnceToo() throws IOException {
        try (StoreAndForwardQueue q = new StoreAndForwardQueue(dir, BIG, 1000, DropPolicy.DROP_OLDEST)) {
            for (int i = 0; i < 3; i++) {
                q.append(msg(i));
            }
            Path segment = segments().get(0);
            try (RandomAccessFile f = new RandomAccessFile(segment.toFile(), "rw")) {
                f.seek(recordBytes(0) - 2);
                f.write(0x7F);   // record 1's payload changes on disk while the queue is open
            }
            assertEquals(List.of(1, 2), ns(q));
            assertEquals(1, q.dropped());
        }
        try (StoreAndForwardQueue q = new StoreAndForwardQueue(dir, BIG, 1000, DropPolicy.DROP_OLDEST)) {
            assertEquals(List.of(1, 2), ns(q));
            assertEquals(1, q.dropped(), "persisted at once, and not counted again on open");
        }
    }

    @Test
    void openingWithSmallerBoundsDropsTheOldestUnderDropOldest() {
        try (StoreAndForwardQueue q = new StoreAndForwardQueue(dir, BIG, 1000, DropPolicy.DROP_OLDEST)) {
            for (int i = 0; i < 6; i++) {
                q.append(msg(i));
            }
        }
        try (StoreAndForwardQueue q = new StoreAndForwardQueue(dir, BIG, 4, DropPolicy.DROP_OLDEST)) {
            assertEquals(List.of(2, 3, 4, 5), ns(q), "the count bound holds from the start");
            assertEquals(2, q.dropped());
        }
        long bound = 2L * recordBytes(0) + recordBytes(0) / 2;
        try (StoreAndForwardQueue q = new StoreAndForwardQueue(dir, bound, 4, DropPolicy.DROP_OLDEST)) {
            assertEquals(List.of(4, 5), ns(q), "so does the byte bound");
            assertTrue(q.bytes() <= bound);
            assertEquals(4, q.dropped());
        }
        try (StoreAndForwardQueue q = new StoreAndForwardQueue(dir, BIG, 1000, DropPolicy.DROP_OLDEST)) {
            assertEquals(List.of(4, 5), ns(q), "the drops are persisted");
            assertEquals(4, q.dropped());
        }
    }

    @Test
    void openingWithSmallerBoundsUnderRejectNewKeepsWhatWasAcceptedAndRefusesNew() {
        try (StoreAndForwardQueue q = new StoreAndForwardQueue(dir, BIG, 1000, DropPolicy.REJECT_NEW)) {
            for (int i = 0; i < 4; i++) {
                q.append(msg(i));
            }
        }
        try (StoreAndForwardQueue q = new StoreAndForwardQueue(dir, BIG, 2, DropPolicy.REJECT_NEW)) {
            assertEquals(List.of(0, 1, 2, 3), ns(q), "REJECT_NEW never drops an accepted message");
            assertThrows(QueueFullException.class, () -> q.append(msg(4)));
            q.acknowledge(2);
            assertThrows(QueueFullException.class, () -> q.append(msg(5)), "still at the bound of 2");
            q.acknowledge(3);
            assertEquals(5, q.append(msg(6)), "room again below the bound");
            assertEquals(List.of(3, 6), ns(q));
            assertEquals(2, q.dropped());
        }
    }

    @Test
    void refusalsArePersistedAtOnce() {
        try (StoreAndForwardQueue q = new StoreAndForwardQueue(dir, 100, 1, DropPolicy.REJECT_NEW)) {
            q.append(msg(0));
            assertThrows(QueueFullException.class, () -> q.append(msg(1)));                       // full
            assertThrows(QueueFullException.class, () -> q.append(QueuedMessage.of("t", new byte[200], 1, false)));   // too large
            assertEquals(2, q.dropped());
        }   // no acknowledgement before the restart
        try (StoreAndForwardQueue q = new StoreAndForwardQueue(dir, 100, 1, DropPolicy.REJECT_NEW)) {
            assertEquals(2, q.dropped());
            assertEquals(List.of(0), ns(q));
        }
    }
}
