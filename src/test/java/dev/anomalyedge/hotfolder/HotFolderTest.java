package dev.anomalyedge.hotfolder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.anomalyedge.service.ServingAppliance;
import dev.anomalyedge.synthetic.SyntheticParts;
import dev.anomalyedge.testing.Golden;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The hot folder on real files against a real appliance (no Quarkus) serving the untrained demo, whose inspected results
 * are UNCALIBRATED: the scanner is driven directly ({@link HotFolder#scanOnce()}) with a test clock, and once through its
 * own worker thread.
 */
class HotFolderTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final long MAX_BYTES = 33_554_432;
    static ServingAppliance appliance;

    @TempDir
    Path dir;
    final AtomicLong clock = new AtomicLong();

    @BeforeAll
    static void start() throws Exception {
        appliance = ServingAppliance.start(Golden.tempDir("hotfolder-models-"));
    }

    @AfterAll
    static void stop() {
        if (appliance != null) appliance.close();
    }

    HotFolder folder(Duration stableFor, long maxBytes) {
        return new HotFolder(dir, Duration.ofMillis(50), stableFor, maxBytes, appliance.inspections(), JSON,
                appliance::serving, clock::get);
    }

    static byte[] png(long seed, SyntheticParts.Defect defect) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ImageIO.write(SyntheticParts.generate(200, seed, defect).image(), "png", out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Path processed(String verdict, String file) {
        return dir.resolve("processed").resolve(verdict).resolve(file);
    }

    static JsonNode read(Path json) throws IOException {
        return JSON.readTree(json.toFile());
    }

    /** Every result JSON under processed/, as (verdict folder/file name). */
    List<Path> resultFiles() throws IOException {
        try (Stream<Path> s = Files.walk(dir.resolve("processed"))) {
            return s.filter(p -> p.getFileName().toString().endsWith(".json")).sorted().toList();
        }
    }

    static void until(String what, BooleanSupplier condition) {
        until(what, Duration.ofSeconds(60), condition);
    }

    static void until(String what, Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) fail("timed out after " + timeout.toSeconds() + " s waiting for: " + what);
            try {
                Thread.sleep(10); // the pause between checks; what is awaited is the condition
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted waiting for: " + what);
            }
        }
    }

    /** A recipe's sub-folder inspects its files with that recipe (here one the appliance lacks: unknown_recipe). */
    @Test
    void aRecipeSubFolderInspectsWithThatRecipe() throws Exception {
        Path sub = Files.createDirectories(dir.resolve("no-such-recipe"));
        Files.write(sub.resolve("part-9.png"), png(9, SyntheticParts.Defect.NONE));
        HotFolder folder = new HotFolder(sub, Duration.ofMillis(50), Duration.ZERO, MAX_BYTES, appliance.inspections(), JSON,
                appliance::serving, clock::get, "no-such-recipe");
        assertEquals(1, folder.scanOnce());
        JsonNode r = read(sub.resolve("processed/ERROR/part-9.json"));
        assertEquals("no-such-recipe", r.get("recipe").asText());
        assertEquals("unknown_recipe", r.get("error").get("code").asText());
        assertEquals(14, r.get("result_code").asInt());
        assertTrue(Files.isRegularFile(sub.resolve("processed/ERROR/part-9.png")));
    }

    /** Each scan tells the listener of the sub-folders (a recipe's, also one made after the folder started), never of processed/ or a hidden one. */
    @Test
    void scansTellTheListenerOfSubFolders() throws Exception {
        HotFolder folder = new HotFolder(dir, Duration.ofMillis(50), Duration.ZERO, MAX_BYTES, appliance.inspections(), JSON,
                appliance::serving, clock::get);
        java.util.List<String> told = new java.util.ArrayList<>();
        folder.onSubfolder(p -> told.add(p.getFileName().toString()));
        Files.createDirectories(dir.resolve(".hidden"));
        Files.createDirectories(dir.resolve("recipe-a"));
        assertEquals(0, folder.scanOnce());
        Files.createDirectories(dir.resolve("recipe-b"));
        assertEquals(0, folder.scanOnce());
        java.util.Collections.sort(told);
        assertEquals(java.util.List.of("recipe-a", "recipe-a", "recipe-b"), told);
    }

    @Test
    void aGoodAndADefectImageAreFiledOnceEachWithTheirResult() throws Exception {
        Files.write(dir.resolve("good-1.png"), png(1, SyntheticParts.Defect.NONE));
        Files.write(dir.resolve("defect-2.png"), png(2, SyntheticParts.Defect.SCRATCH));
        HotFolder folder = folder(Duration.ZERO, MAX_BYTES);
        int before = appliance.triggers();

        assertEquals(2, folder.scanOnce());
        assertEquals(0, folder.scanOnce(), "nothing is inspected twice");
        assertEquals(2, appliance.triggers() - before);

        for (String stem : List.of("good-1", "defect-2")) {
            assertTrue(Files.isRegularFile(processed("UNCALIBRATED", stem + ".png")), stem + " filed by its verdict");
            JsonNode r = read(processed("UNCALIBRATED", stem + ".json"));
            assertEquals("hotfolder:" + stem + ".png", r.get("source").asText());
            assertEquals(stem, r.get("part_id").asText());
            assertEquals(2, r.get("result_code").asInt());
            assertEquals("UNCALIBRATED", r.get("verdict").asText());
            assertFalse(r.get("pass").asBoolean());
            assertTrue(r.get("score").isNumber(), "the REST document: " + r);
            assertEquals(r.get("id").asText(), appliance.inspections().recent(r.get("id").asText()).id(),
                    "stored (and published) like any result");
            assertFalse(Files.exists(dir.resolve(stem + ".png")), "moved out of the hot folder");
        }
        assertEquals(2, resultFiles().size());
    }

    @Test
    void aFileStillBeingWrittenIsTakenOnlyOnceItsSizeStaysUnchanged() throws Exception {
        byte[] image = png(3, SyntheticParts.Defect.NONE);
        int half = image.length / 2;
        Path file = dir.resolve("slow.png");
        HotFolder folder = folder(Duration.ofMillis(500), MAX_BYTES);

        Files.write(file, Arrays.copyOf(image, half)); // the writer's first step
        assertEquals(0, folder.scanOnce(), "just seen");
        clock.addAndGet(Duration.ofMillis(400).toNanos());
        assertEquals(0, folder.scanOnce(), "not yet unchanged for stable-for");
        Files.write(file, Arrays.copyOfRange(image, half, image.length), StandardOpenOption.APPEND); // its second step
        clock.addAndGet(Duration.ofMillis(400).toNanos());
        assertEquals(0, folder.scanOnce(), "the size changed: seen anew");
        assertTrue(Files.exists(file));
        clock.addAndGet(Duration.ofMillis(500).toNanos());
        assertEquals(1, folder.scanOnce());

        JsonNode r = read(processed("UNCALIBRATED", "slow.json"));
        assertEquals(2, r.get("result_code").asInt(), "the whole image was inspected: " + r);
    }

    @Test
    void aCorruptFileAndOneOverTheLimitAreErrorResults() throws Exception {
        Files.write(dir.resolve("corrupt.png"), "not an image at all".getBytes());
        byte[] big = png(4, SyntheticParts.Defect.NONE);
        Files.write(dir.resolve("big.png"), big);

        assertEquals(2, folder(Duration.ZERO, big.length - 1).scanOnce());

        JsonNode corrupt = read(processed("ERROR", "corrupt.json"));
        assertEquals(12, corrupt.get("result_code").asInt());
        assertEquals("undecodable", corrupt.get("error").get("code").asText());
        assertEquals("hotfolder:corrupt.png", corrupt.get("source").asText());
        assertTrue(Files.isRegularFile(processed("ERROR", "corrupt.png")));
        JsonNode large = read(processed("ERROR", "big.json"));
        assertEquals(13, large.get("result_code").asInt());
        assertEquals("too_large", large.get("error").get("code").asText());
        assertTrue(large.get("error").get("detail").asText().contains("appliance.limits.max-upload-bytes"), large.toString());
        assertTrue(Files.isRegularFile(processed("ERROR", "big.png")));
    }

    @Test
    void aSecondFileOfTheSameNameIsFiledBesideTheFirstWithoutOverwritingIt() throws Exception {
        HotFolder folder = folder(Duration.ZERO, MAX_BYTES);
        byte[] first = png(5, SyntheticParts.Defect.NONE);
        byte[] second = png(6, SyntheticParts.Defect.SPOT);
        Files.write(dir.resolve("part.png"), first);
        assertEquals(1, folder.scanOnce());
        Files.write(dir.resolve("part.png"), second);
        assertEquals(1, folder.scanOnce());

        assertTrue(Arrays.equals(first, Files.readAllBytes(processed("UNCALIBRATED", "part.png"))));
        assertTrue(Arrays.equals(second, Files.readAllBytes(processed("UNCALIBRATED", "part~2.png"))));
        JsonNode a = read(processed("UNCALIBRATED", "part.json"));
        JsonNode b = read(processed("UNCALIBRATED", "part~2.json"));
        assertNotEquals(a.get("id"), b.get("id"));
        assertEquals("part", b.get("part_id").asText(), "the part id stays the stem");
    }

    @Test
    void otherFilesAndSubFoldersAreLeftAlone() throws Exception {
        List<String> others = List.of(".hidden.png", "upload.png.tmp", "upload.png.part", "notes.txt", "README");
        for (String name : others) Files.write(dir.resolve(name), png(7, SyntheticParts.Defect.NONE));
        Files.createDirectories(dir.resolve("recipe-a"));
        Files.write(dir.resolve("recipe-a/x.png"), png(8, SyntheticParts.Defect.NONE));

        assertEquals(0, folder(Duration.ZERO, MAX_BYTES).scanOnce());
        for (String name : others) assertTrue(Files.exists(dir.resolve(name)), name);
        assertTrue(Files.exists(dir.resolve("recipe-a/x.png")));
        assertEquals(List.of(), resultFiles());
    }

    @Test
    void aRestartFinishesTheFilesInFlightWithoutInspectingOneTwiceOrLosingOne() throws Exception {
        // run 1 stopped after claiming claimed.png (not inspected) and after filing done.png's JSON, before moving done.png
        Files.write(dir.resolve("done.png"), png(9, SyntheticParts.Defect.NONE));
        assertEquals(1, folder(Duration.ZERO, MAX_BYTES).scanOnce());
        Path inflight = dir.resolve("processed/.inflight");
        Files.move(processed("UNCALIBRATED", "done.png"), inflight.resolve("done.png"));
        String doneId = read(processed("UNCALIBRATED", "done.json")).get("id").asText();
        Files.write(inflight.resolve("claimed.png"), png(10, SyntheticParts.Defect.NONE));
        Files.write(processed("UNCALIBRATED", ".claimed.json.tmp"), "{\"half\":".getBytes()); // its JSON half written once

        int before = appliance.triggers();
        HotFolder restarted = folder(Duration.ZERO, MAX_BYTES);
        assertEquals(0, restarted.scanOnce(), "nothing new in the hot folder itself");

        assertEquals(1, appliance.triggers() - before, "only the file claimed but not inspected is inspected");
        assertTrue(Files.isRegularFile(processed("UNCALIBRATED", "done.png")), "moved beside its result");
        assertEquals(doneId, read(processed("UNCALIBRATED", "done.json")).get("id").asText(), "its result is the first one");
        assertTrue(Files.isRegularFile(processed("UNCALIBRATED", "claimed.png")));
        assertEquals("hotfolder:claimed.png", read(processed("UNCALIBRATED", "claimed.json")).get("source").asText());
        try (Stream<Path> left = Files.list(inflight)) {
            assertEquals(List.of(), left.toList(), "nothing stays in flight");
        }
        assertEquals(2, resultFiles().size(), "one result each");
        assertFalse(Files.exists(processed("UNCALIBRATED", ".claimed.json.tmp")), "an unfinished JSON is removed");
        assertEquals(0, folder(Duration.ZERO, MAX_BYTES).scanOnce(), "and another restart finds nothing to do");
        assertEquals(1, appliance.triggers() - before);
    }

    @Test
    void theWorkerTakesFilesPresentAtStartAndFilesRenamedInLater() throws Exception {
        Files.write(dir.resolve("early.png"), png(11, SyntheticParts.Defect.NONE));
        HotFolder folder = new HotFolder(dir, Duration.ofMillis(100), Duration.ofMillis(50), MAX_BYTES,
                appliance.inspections(), JSON, appliance::serving, System::nanoTime);
        folder.start();
        try {
            until("early.png filed", () -> Files.exists(processed("UNCALIBRATED", "early.png")));
            Path part = dir.resolve("late.png.part");
            Files.write(part, png(12, SyntheticParts.Defect.CHIP));
            Files.move(part, dir.resolve("late.png"), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            until("late.png filed", () -> Files.exists(processed("UNCALIBRATED", "late.png")));
        } finally {
            folder.close();
        }
        assertTrue(Files.exists(processed("UNCALIBRATED", "early.json")));
        assertEquals("late", read(processed("UNCALIBRATED", "late.json")).get("part_id").asText());
    }

    @Test
    void nothingIsTakenWhileTheApplianceDoesNotServe() throws Exception {
        Files.write(dir.resolve("waiting.png"), png(13, SyntheticParts.Defect.NONE));
        boolean[] serving = {false};
        HotFolder folder = new HotFolder(dir, Duration.ofMillis(50), Duration.ZERO, MAX_BYTES, appliance.inspections(), JSON,
                () -> serving[0], clock::get);
        assertEquals(0, folder.scanOnce());
        assertTrue(Files.exists(dir.resolve("waiting.png")), "not an ERROR result while no model serves");
        serving[0] = true;
        assertEquals(1, folder.scanOnce());
    }
}
