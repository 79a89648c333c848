package dev.anomalyedge.archive;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.anomalyedge.inspection.InspectionResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static dev.anomalyedge.archive.ArchiveFixture.RANGE;
import static dev.anomalyedge.archive.ArchiveFixture.S;
import static dev.anomalyedge.archive.ArchiveFixture.await;
import static dev.anomalyedge.archive.ArchiveFixture.awaitWritten;
import static dev.anomalyedge.archive.ArchiveFixture.png;
import static dev.anomalyedge.archive.ArchiveFixture.result;
import static dev.anomalyedge.archive.ArchiveFixture.settings;
import static dev.anomalyedge.inspection.Calibration.Verdict.ERROR;
import static dev.anomalyedge.inspection.Calibration.Verdict.NG;
import static dev.anomalyedge.inspection.Calibration.Verdict.OK;
import static dev.anomalyedge.inspection.Calibration.Verdict.UNCALIBRATED;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The image archive on real files: keep rules, layout, listing, restart, bounds, a full or failing or slow disk. */
class ImageArchiveTest {
    static final Instant T0 = Instant.parse("2026-12-01T08:00:00Z");
    final ArchiveFixture.SetClock clock = new ArchiveFixture.SetClock(T0.plus(Duration.ofDays(3)));

    @TempDir
    Path dir;

    @Test
    void ngKeepsEveryResultThatIsNotAPassAndOkKeepsOnlyPasses() {
        try (ImageArchive ng = ArchiveFixture.open(settings(dir.resolve("ng"), Keep.NG), clock);
             ImageArchive ok = ArchiveFixture.open(settings(dir.resolve("ok"), Keep.OK), clock);
             ImageArchive all = ArchiveFixture.open(settings(dir.resolve("all"), Keep.ALL), clock)) {
            for (var v : List.of(NG, UNCALIBRATED, ERROR)) {
                assertTrue(ng.keeps(result(T0, v, null)), "NG keeps " + v);
                assertFalse(ok.keeps(result(T0, v, null)), "OK does not keep " + v);
                assertTrue(all.keeps(result(T0, v, null)), "ALL keeps " + v);
            }
            assertFalse(ng.keeps(result(T0, OK, null)));
            assertTrue(ok.keeps(result(T0, OK, null)));
            assertTrue(all.keeps(result(T0, OK, null)));
            assertFalse(ng.accept(result(T0, OK, null), png(100), RANGE), "not selected: not queued");
            assertEquals(0, ng.stats().dropped(), "a result the rule does not keep is not a drop");
        }
    }

    @Test
    void okResultsAreSampledAtTheRateAndOthersNever() {
        Random expected = new Random(42);
        Random used = new Random(42);
        ArchiveSettings s = new ArchiveSettings(dir, Keep.ALL, 0.1, 0, Duration.ZERO, 0, 64, 1L << 30);
        try (ImageArchive a = new ImageArchive(s, clock, used::nextDouble, () -> Long.MAX_VALUE, Files::write)) {
            int kept = 0, wanted = 0;
            for (int i = 0; i < 1000; i++) {
                if (a.keeps(result(T0, OK, null))) kept++;
                if (expected.nextDouble() < 0.1) wanted++;
            }
            assertEquals(wanted, kept, "one draw per OK result, kept below the rate");
            assertTrue(kept > 50 && kept < 150, "about a tenth: " + kept);
            for (int i = 0; i < 100; i++) assertTrue(a.keeps(result(T0, NG, null)), "NG results are never sampled");
        }
        ArchiveSettings none = new ArchiveSettings(dir.resolve("none"), Keep.OK, 0, 0, Duration.ZERO, 0, 64, 1L << 30);
        try (ImageArchive a = new ImageArchive(none, clock, () -> 0.0, () -> Long.MAX_VALUE, Files::write)) {
            assertFalse(a.keeps(result(T0, OK, null)), "rate 0 keeps no OK result");
        }
        assertThrows(IllegalArgumentException.class, () -> new ArchiveSettings(dir, Keep.ALL, 1.5, 0, Duration.ZERO, 0, 1, 1));
    }

    @Test
    void writesInputOverlayAndResultIntoDayFolders() throws IOException {
        byte[] input = png(500);
        byte[] garbage = "GIF89a not really".getBytes();
        InspectionResult ng = result(Instant.parse("2026-12-01T23:59:59.900Z"), NG, "P-1");
        InspectionResult error = result(Instant.parse("2026-12-02T00:00:00.100Z"), ERROR, "P-2");
        InspectionResult noBytes = result(Instant.parse("2026-12-02T00:00:01Z"), ERROR, null);
        try (ImageArchive a = ArchiveFixture.open(settings(dir, Keep.NG), clock)) {
            assertTrue(a.accept(ng, input, RANGE));
            assertTrue(a.accept(error, garbage, RANGE));
            assertTrue(a.accept(noBytes, null, RANGE));
            awaitWritten(a, 3);

            Path day1 = dir.resolve("2026-12-01"), day2 = dir.resolve("2026-12-02");
            assertArrayEquals(input, Files.readAllBytes(day1.resolve(ng.id() + ".png")), "the input exactly as received");
            BufferedImage overlay = ImageIO.read(day1.resolve(ng.id() + ".overlay.png").toFile());
            assertEquals(S, overlay.getWidth(), "the overlay on the model's S×S input");
            JsonNode json = new ObjectMapper().readTree(day1.resolve(ng.id() + ".json").toFile());
            assertEquals(ng.id(), json.path("id").asText());
            assertEquals("NG", json.path("verdict").asText());
            assertEquals("P-1", json.path("part_id").asText());

            assertArrayEquals(garbage, Files.readAllBytes(day2.resolve(error.id() + ".bin")), "other bytes are kept as .bin");
            assertFalse(Files.exists(day2.resolve(error.id() + ".overlay.png")), "ERROR results have no overlay");
            assertTrue(Files.exists(day2.resolve(noBytes.id() + ".json")));
            try (Stream<Path> files = Files.list(day2)) {
                assertEquals(3, files.count(), "no input file when no bytes were received: " + day2);
            }

            ArchiveEntry e = a.entry(ng.id()).orElseThrow();
            assertEquals("png", e.inputType());
            assertTrue(e.overlay());
            assertEquals(ArchiveFixture.size(day1), e.bytes(), "the entry's size is its files'");
            assertEquals(ArchiveFixture.size(dir), a.stats().bytes());
            assertEquals(day1.resolve(ng.id() + ".png"), a.file(ng.id(), ArchiveFile.IMAGE).orElseThrow());
            assertTrue(a.file(error.id(), ArchiveFile.OVERLAY).isEmpty());
            assertTrue(a.file(noBytes.id(), ArchiveFile.IMAGE).isEmpty());
            assertEquals("image/png", ImageArchive.contentType(e));
        }
    }

    @Test
    void listsNewestFirstWithFiltersAndCursorPages() {
        List<InspectionResult> rs = new ArrayList<>();
        var verdicts = List.of(NG, ERROR, UNCALIBRATED, NG, NG, ERROR, NG);
        try (ImageArchive a = ArchiveFixture.open(settings(dir, Keep.NG), clock)) {
            for (int i = 0; i < verdicts.size(); i++) {
                InspectionResult r = result(T0.plus(Duration.ofHours(5L * i)), verdicts.get(i), i % 2 == 0 ? "EVEN" : "ODD");
                rs.add(r);
                a.accept(r, png(100), RANGE);
            }
            awaitWritten(a, rs.size());

            List<String> newestFirst = ids(rs, 6, 5, 4, 3, 2, 1, 0);
            List<String> paged = new ArrayList<>();
            String cursor = null;
            int pages = 0;
            do {
                ArchivePage p = a.list(new ArchiveQuery(Set.of(), null, null, null, 3, cursor));
                assertTrue(p.entries().size() <= 3);
                p.entries().forEach(e -> paged.add(e.id()));
                cursor = p.nextCursor();
                pages++;
            } while (cursor != null);
            assertEquals(newestFirst, paged, "every entry once, newest first");
            assertEquals(3, pages);

            assertEquals(ids(rs, 6, 4, 3, 0), ids(a.list(new ArchiveQuery(Set.of("NG"), null, null, null, 50, null))));
            assertEquals(ids(rs, 6, 5, 4, 3, 1, 0), ids(a.list(new ArchiveQuery(Set.of("NG", "ERROR"), null, null, null, 50, null))));
            assertEquals(ids(rs, 3, 2), ids(a.list(new ArchiveQuery(Set.of(), T0.plus(Duration.ofHours(10)),
                    T0.plus(Duration.ofHours(20)), null, 50, null))), "from inclusive, to exclusive");
            assertEquals(ids(rs, 5, 3, 1), ids(a.list(new ArchiveQuery(Set.of(), null, null, "ODD", 50, null))));
            ArchivePage first = a.list(new ArchiveQuery(Set.of("NG"), null, null, "EVEN", 1, null));
            assertEquals(ids(rs, 6), ids(first));
            assertEquals(ids(rs, 4), ids(a.list(new ArchiveQuery(Set.of("NG"), null, null, "EVEN", 1, first.nextCursor()))),
                    "the cursor pages within the filter");
            assertThrows(IllegalArgumentException.class, () -> new ArchiveQuery(Set.of(), null, null, null, 10, "not-a-cursor"));
            assertThrows(IllegalArgumentException.class, () -> ArchiveQuery.all(0));
        }
    }

    @Test
    void aRestartReadsTheArchiveBackAndDeletesUnfinishedWrites() throws IOException {
        List<String> before;
        try (ImageArchive a = ArchiveFixture.open(settings(dir, Keep.NG), clock)) {
            for (int i = 0; i < 4; i++) a.accept(result(T0.plus(Duration.ofHours(10L * i)), i == 3 ? ERROR : NG, "P" + i), png(200), RANGE);
            awaitWritten(a, 4);
            before = ids(a.list(ArchiveQuery.all(50)));
        }
        Path day = dir.resolve("2026-12-01");
        Files.write(day.resolve("0000-unfinished.png"), png(10)); // a write cut short: input without result
        Files.writeString(day.resolve("0001-cut.json.tmp"), "{");
        long bytes = ArchiveFixture.size(dir) - 10 - 1;
        try (ImageArchive again = ArchiveFixture.open(settings(dir, Keep.NG), clock)) {
            assertEquals(before, ids(again.list(ArchiveQuery.all(50))), "the same entries in the same order");
            assertEquals(bytes, again.stats().bytes());
            assertFalse(Files.exists(day.resolve("0000-unfinished.png")));
            assertFalse(Files.exists(day.resolve("0001-cut.json.tmp")));
            ArchiveEntry e = again.entry(before.get(0)).orElseThrow();
            assertEquals("ERROR", e.verdict());
            assertEquals("P3", e.partId());
            assertEquals(12, e.resultCode());
            assertFalse(e.overlay());
        }
    }

    @Test
    void maxBytesDeletesTheOldestFirst() {
        ArchiveSettings s = new ArchiveSettings(dir, Keep.NG, 1, 350_000, Duration.ZERO, 0, 64, 1L << 30);
        List<InspectionResult> rs = new ArrayList<>();
        try (ImageArchive a = ArchiveFixture.open(s, clock)) {
            for (int i = 0; i < 5; i++) {
                rs.add(result(T0.plus(Duration.ofMinutes(i)), NG, null));
                a.accept(rs.get(i), png(100_000), RANGE);
            }
            awaitWritten(a, 5);
            assertEquals(ids(rs, 4, 3, 2), ids(a.list(ArchiveQuery.all(50))), "the three newest fit");
            assertEquals(2, a.stats().cleaned());
            assertTrue(a.stats().bytes() <= 350_000);
            assertEquals(ArchiveFixture.size(dir), a.stats().bytes(), "the files of cleaned entries are gone");
        }
    }

    @Test
    void maxAgeDeletesOldEntriesWhenWritingAndAtStart() {
        ArchiveSettings s = new ArchiveSettings(dir, Keep.NG, 1, 0, Duration.ofHours(36), 0, 64, 1L << 30);
        clock.now = T0;
        List<InspectionResult> rs = new ArrayList<>();
        try (ImageArchive a = ArchiveFixture.open(s, clock)) {
            for (int i = 0; i < 3; i++) {
                rs.add(result(T0.plus(Duration.ofDays(i)), NG, null));
                a.accept(rs.get(i), png(100), RANGE);
            }
            awaitWritten(a, 3);
            assertEquals(0, a.stats().cleaned());
            clock.now = T0.plus(Duration.ofDays(2)).plus(Duration.ofHours(1)); // day 0 is 49 h old, day 1 25 h
            rs.add(result(clock.now, NG, null));
            a.accept(rs.get(3), png(100), RANGE);
            awaitWritten(a, 4);
            assertEquals(ids(rs, 3, 2, 1), ids(a.list(ArchiveQuery.all(50))));
            assertFalse(Files.exists(dir.resolve("2026-12-01")), "an emptied day folder goes too");
        }
        clock.now = T0.plus(Duration.ofDays(3)).plus(Duration.ofMinutes(12 * 60 + 30)); // the limit falls between the last two
        try (ImageArchive later = ArchiveFixture.open(s, clock)) {
            await("the age bound applied at start", () -> later.stats().entries() == 1);
            assertEquals(ids(rs, 3), ids(later.list(ArchiveQuery.all(50))));
        }
    }

    @Test
    void minFreeBytesMakesRoomOldestFirstAndADiskTooFullIsCountedNotThrown() {
        long capacity = 1_000_000;
        ArchiveSettings s = new ArchiveSettings(dir, Keep.NG, 1, 0, Duration.ZERO, 550_000, 64, 1L << 30);
        List<InspectionResult> rs = new ArrayList<>();
        try (ImageArchive a = new ImageArchive(s, clock, () -> 0, () -> capacity - ArchiveFixture.size(dir), Files::write)) {
            for (int i = 0; i < 6; i++) {
                rs.add(result(T0.plus(Duration.ofMinutes(i)), NG, null));
                a.accept(rs.get(i), png(100_000), RANGE);
            }
            awaitWritten(a, 6);
            assertEquals(ids(rs, 5, 4, 3, 2), ids(a.list(ArchiveQuery.all(50))), "four fit above the free-space floor");
            assertEquals(2, a.stats().cleaned());

            InspectionResult huge = result(T0.plus(Duration.ofHours(1)), NG, null);
            assertTrue(a.accept(huge, png(500_000), RANGE), "accepted: the caller never sees the disk");
            await("the failure counted", () -> a.stats().failed() == 1);
            assertTrue(a.stats().lastError().contains("disk full"), a.stats().lastError());
            assertTrue(a.entry(huge.id()).isEmpty());
            assertEquals(0, a.stats().entries(), "everything older was given up for it first");
        }
    }

    @Test
    void aFailingWriteIsCountedAndLeavesNoPartialEntry() throws IOException {
        Files.writeString(dir.resolve("2026-12-01"), "a file where the day folder should be");
        IOException broken = new IOException("input/output error");
        try (ImageArchive a = ArchiveFixture.open(settings(dir, Keep.NG), clock)) {
            assertTrue(a.accept(result(T0, NG, null), png(100), RANGE));
            await("the failure counted", () -> a.stats().failed() == 1);
            assertTrue(a.stats().lastError().contains("2026-12-01"), a.stats().lastError());
            InspectionResult next = result(T0.plus(Duration.ofDays(1)), NG, null);
            a.accept(next, png(100), RANGE);
            awaitWritten(a, 1);
            assertTrue(a.entry(next.id()).isPresent(), "the archive goes on");
        }
        Path other = dir.resolve("other");
        ImageArchive.FileWriter failsOnResult = (file, bytes) -> {
            if (file.toString().endsWith(".tmp")) throw broken;
            Files.write(file, bytes);
        };
        try (ImageArchive a = new ImageArchive(settings(other, Keep.NG), clock, () -> 0, () -> Long.MAX_VALUE, failsOnResult)) {
            a.accept(result(T0, NG, null), png(100), RANGE);
            await("the failure counted", () -> a.stats().failed() == 1);
            assertEquals(0, ArchiveFixture.size(other), "the input and overlay already written are deleted again");
            assertEquals(0, a.stats().entries());
            assertTrue(a.stats().lastError().contains("input/output error"));
        }
    }

    @Test
    void aSlowDiskNeverHoldsUpAcceptAndAFullQueueDropsAndCounts() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ImageArchive.FileWriter slow = (file, bytes) -> {
            entered.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            Files.write(file, bytes);
        };
        ArchiveSettings s = new ArchiveSettings(dir, Keep.NG, 1, 0, Duration.ZERO, 0, 2, 1L << 30);
        try (ImageArchive a = new ImageArchive(s, clock, () -> 0, () -> Long.MAX_VALUE, slow)) {
            assertTrue(a.accept(result(T0, NG, null), png(100), RANGE));
            assertTrue(entered.await(10, TimeUnit.SECONDS), "the writer is stuck in the disk");
            List<Boolean> queued = new ArrayList<>();
            for (int i = 1; i < 5; i++) queued.add(a.accept(result(T0.plusSeconds(i), NG, null), png(100), RANGE));
            // every accept() above returned while the writer is still held
            assertEquals(1, release.getCount(), "the writer was held throughout");
            assertEquals(List.of(true, true, false, false), queued, "two wait, the rest are dropped");
            assertEquals(2, a.stats().dropped());
            assertEquals(2, a.stats().queued());
            release.countDown();
            awaitWritten(a, 3);
            assertEquals(3, a.stats().entries());
        }
    }

    @Test
    void theQueueIsBoundedByInputBytesToo() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        ImageArchive.FileWriter held = (file, bytes) -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            Files.write(file, bytes);
        };
        ArchiveSettings s = new ArchiveSettings(dir, Keep.NG, 1, 0, Duration.ZERO, 0, 64, 150_000);
        try (ImageArchive a = new ImageArchive(s, clock, () -> 0, () -> Long.MAX_VALUE, held)) {
            a.accept(result(T0, NG, null), png(10), RANGE); // the writer holds this one
            await("the writer took the first", () -> a.stats().queued() == 0);
            assertTrue(a.accept(result(T0.plusSeconds(1), NG, null), png(200_000), RANGE), "one result always fits");
            assertFalse(a.accept(result(T0.plusSeconds(2), NG, null), png(100), RANGE), "over the byte bound");
            assertEquals(1, a.stats().dropped());
            release.countDown();
            awaitWritten(a, 2);
        }
    }

    @Test
    void closeDrainsTheQueueOrAbandonsItWithinItsBound() throws Exception {
        ImageArchive a = ArchiveFixture.open(settings(dir, Keep.NG), clock);
        for (int i = 0; i < 10; i++) a.accept(result(T0.plusSeconds(i), NG, null), png(1000), RANGE);
        a.close();
        assertEquals(10, a.stats().written(), "close() writes what was queued");
        assertFalse(a.accept(result(T0, NG, null), png(10), RANGE), "a closed archive takes nothing");

        CountDownLatch release = new CountDownLatch(1);
        ImageArchive.FileWriter stuck = (file, bytes) -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        ImageArchive b = new ImageArchive(settings(dir.resolve("stuck"), Keep.NG), clock, () -> 0, () -> Long.MAX_VALUE, stuck);
        try {
            for (int i = 0; i < 5; i++) b.accept(result(T0.plusSeconds(i), NG, null), png(10), RANGE);
            long start = System.nanoTime();
            b.close(Duration.ofMillis(200));
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5), "close() is bounded");
            assertTrue(b.stats().dropped() >= 4, "what was still queued is counted as dropped: " + b.stats());
        } finally {
            release.countDown();
        }
    }

    private static List<String> ids(List<InspectionResult> rs, int... indexes) {
        List<String> out = new ArrayList<>();
        for (int i : indexes) out.add(rs.get(i).id());
        return out;
    }

    private static List<String> ids(ArchivePage p) {
        return p.entries().stream().map(ArchiveEntry::id).collect(Collectors.toList());
    }
}
