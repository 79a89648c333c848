package dev.anomalyedge.inspection;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.anomalyedge.bundle.ModelBundle;
import dev.anomalyedge.engine.select.SelectedEngine;
import dev.anomalyedge.image.ImageDecoder;
import dev.anomalyedge.tensor.Npy;
import dev.anomalyedge.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The offline use case of {@code inspect} and {@code demo}: files in, scores.json, maps and overlays out. */
class OfflineInspectionTest {

    @Test
    void writesScoresMapsAndOverlaysAndAnswersABrokenFileOnItsOwn(@TempDir Path tmp) throws Exception {
        ModelBundle bundle = TestBundles.demoBundle();
        Path images = bundle.dir().getParent().getParent().getParent().resolve("images");
        Path good = images.resolve("part_00_good.png");
        Path scratch = images.resolve("part_02_scratch.png");
        Path broken = Files.write(tmp.resolve("broken.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3});
        FakeEngine engine = new FakeEngine(bundle.imageSize());
        List<String> notes = new ArrayList<>();
        Path out = tmp.resolve("out");

        OfflineInspection.Report report = OfflineInspection.run(
                new OfflineInspection.Request(bundle.dir(), List.of(good, broken, scratch), out, 4, ImageDecoder.DEFAULT_MAX_PIXELS),
                (dir, maxBatch) -> new SelectedEngine(engine, "fake", "test"), notes::add);

        assertTrue(engine.closed, "the engine is closed after use");
        assertEquals(List.of(2), engine.batches);
        assertEquals(1, report.failed());
        assertTrue(notes.get(0).startsWith("note: "), notes.toString());
        JsonNode scores = new ObjectMapper().readTree(out.resolve("scores.json").toFile());
        assertEquals(3, scores.size());
        assertTrue(scores.get("broken.png").get("score").isNull());
        assertTrue(scores.get("broken.png").get("error").asText().contains("broken.png"));

        float expected = new Preprocessing(bundle.imageSize()).prepare(scratch).tensor()[0];
        JsonNode e = scores.get("part_02_scratch.png");
        assertEquals(expected, (float) e.get("score").asDouble(), 0, "the fake engine scores the first input value");
        assertEquals(expected, (float) e.get("map_max").asDouble(), 0, "its map is that value everywhere");
        assertEquals(expected, e.get("map_mean").asDouble(), 1e-6);
        assertEquals("part_02_scratch.map.npy", e.get("map_file").asText());
        assertEquals("part_02_scratch.overlay.png", e.get("overlay_file").asText());
        assertEquals(bundle.name() + "/" + bundle.version(), e.get("model").asText());
        assertEquals("UNCALIBRATED", e.get("verdict").asText());
        assertTrue(e.get("demo").asBoolean() && e.get("demo_untrained").asBoolean());
        Tensor map = Npy.read(out.resolve("part_02_scratch.map.npy"));
        assertTrue(map.hasShape(bundle.imageSize(), bundle.imageSize()), map.shapeString());
        float[] constant = new float[bundle.imageSize() * bundle.imageSize()];
        java.util.Arrays.fill(constant, expected);
        assertArrayEquals(constant, map.floats());
        assertTrue(Files.size(out.resolve("part_02_scratch.overlay.png")) > 100);
        assertTrue(Files.notExists(out.resolve("scores.json.tmp")), "scores.json is moved into place");
    }

    @Test
    void inputsThatWouldOverwriteEachOtherAreRefusedBeforeAnEngineOpens(@TempDir Path tmp) throws Exception {
        Path a = Files.createDirectories(tmp.resolve("a")).resolve("x.png");
        Path b = Files.createDirectories(tmp.resolve("b")).resolve("x.png");
        AtomicInteger opened = new AtomicInteger();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OfflineInspection.run(
                new OfflineInspection.Request(tmp.resolve("bundle"), List.of(a, b), tmp.resolve("out"), 1, ImageDecoder.DEFAULT_MAX_PIXELS),
                (dir, maxBatch) -> {
                    opened.incrementAndGet();
                    return null;
                }, s -> { }));
        assertTrue(e.getMessage().contains("'x'"), e.getMessage());
        assertEquals(0, opened.get());
    }
}
