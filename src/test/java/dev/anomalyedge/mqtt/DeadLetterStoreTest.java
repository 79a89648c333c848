package dev.anomalyedge.mqtt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

class DeadLetterStoreTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant NOW = Instant.parse("2025-06-01T10:00:00Z");

    @TempDir
    Path dir;

    private static QueuedMessage msg(long seq, String payload) {
        return new QueuedMessage(seq, "anomaly/s/a/l/c/result", payload.getBytes(StandardCharsets.UTF_8), 1, false,
                Instant.parse("2025-06-01T09:00:00Z"));
    }

    private List<Path> files() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }

    @Test
    void keepsThePayloadAndTheReasonInOneFilePerResult() throws IOException {
        DeadLetterStore store = new DeadLetterStore(dir, 10, 1 << 20);
        Path file = store.add(msg(7, "{\"id\":\"r-7\",\"score\":0.12345678901234567890}"), "the broker refused it: NOT_AUTHORIZED", NOW);
        assertEquals(List.of(file), files());
        assertTrue(file.getFileName().toString().startsWith("dead-00000000000000000007-"), file.toString());
        JsonNode d = JSON.readTree(file.toFile());
        assertEquals(7, d.get("seq").asLong());
        assertEquals("anomaly/s/a/l/c/result", d.get("topic").asText());
        assertEquals(1, d.get("qos").asInt());
        assertEquals("2025-06-01T09:00:00Z", d.get("queued_at").asText());
        assertEquals("2025-06-01T10:00:00Z", d.get("dead_lettered_at").asText());
        assertEquals("the broker refused it: NOT_AUTHORIZED", d.get("reason").asText());
        assertEquals("r-7", d.get("payload").get("id").asText());
        assertTrue(Files.readString(file).contains("0.12345678901234567890"), "numbers kept digit for digit");
        assertEquals(1, store.count());
        assertEquals(Files.size(file), store.bytes());

        Path raw = store.add(msg(8, "not json \u0001"), "why", NOW);
        JsonNode r = JSON.readTree(raw.toFile());
        assertEquals("not json \u0001", new String(Base64.getDecoder().decode(r.get("payload_base64").asText()), StandardCharsets.UTF_8));
    }

    @Test
    void boundedByCountAndBytesDeletingTheOldest() throws IOException {
        DeadLetterStore store = new DeadLetterStore(dir, 3, 1 << 20);
        for (int i = 1; i <= 5; i++) {
            store.add(msg(i, "{\"n\":" + i + "}"), "r", NOW);
        }
        assertEquals(3, store.count());
        assertEquals(List.of(3, 4, 5), files().stream().map(this::seq).toList(), "the oldest went first");

        long oneFile = Files.size(files().get(0));
        DeadLetterStore small = new DeadLetterStore(dir.resolve("small"), 100, 2 * oneFile + oneFile / 2);
        for (int i = 1; i <= 4; i++) {
            small.add(msg(i, "{\"n\":" + i + "}"), "r", NOW);
        }
        assertEquals(2, small.count());
        assertTrue(small.bytes() <= 2 * oneFile + oneFile / 2);
    }

    @Test
    void aResultLargerThanTheByteBoundIsKeptWithoutItsPayload() throws IOException {
        DeadLetterStore store = new DeadLetterStore(dir, 10, 2000);
        Path file = store.add(msg(1, "{\"part_id\":\"" + "X".repeat(5000) + "\"}"), "too large", NOW);
        JsonNode d = JSON.readTree(file.toFile());
        assertFalse(d.has("payload"));
        assertTrue(d.get("payload_omitted").asText().startsWith("5014 bytes"), d.toString());
        assertEquals("too large", d.get("reason").asText());
        assertTrue(store.bytes() <= 2000);
    }

    @Test
    void reopeningCountsTheFilesAlreadyThereAndRemovesUnfinishedOnes() throws IOException {
        DeadLetterStore first = new DeadLetterStore(dir, 10, 1 << 20);
        first.add(msg(1, "{}"), "r", NOW);
        first.add(msg(2, "{}"), "r", NOW);
        Files.writeString(dir.resolve("dead-00000000000000000003-1.json.tmp"), "{\"cut");   // a crash mid-write
        DeadLetterStore second = new DeadLetterStore(dir, 2, 1 << 20);
        assertEquals(2, second.count());
        assertEquals(2, files().size(), "the unfinished file is gone");
        second.add(msg(4, "{}"), "r", NOW);
        assertEquals(List.of(2, 4), files().stream().map(this::seq).toList());
    }

    private int seq(Path p) {
        return Integer.parseInt(p.getFileName().toString().substring(5, 25));
    }
}
