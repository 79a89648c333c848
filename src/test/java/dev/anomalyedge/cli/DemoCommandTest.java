package dev.anomalyedge.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.anomalyedge.bundle.ModelBundle;
import dev.anomalyedge.testing.Golden;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The README's one-shot {@code demo}: the demo model trained and calibrated, its verdicts right on the sample parts. */
class DemoCommandTest {
    @Test
    void trainsCalibratesAndJudgesTheSampleParts() throws Exception {
        Path work = Golden.tempDir("demo-cmd-");
        assertEquals(0, new CommandLine(new DemoCommand()).execute("--out", work.toString()));
        ModelBundle bundle = ModelBundle.load(work.resolve("models/demo/trained-1"));
        assertTrue(bundle.manifest().demo());
        assertTrue(bundle.manifest().training() != null && bundle.manifest().calibration() != null);

        JsonNode scores = new ObjectMapper().readTree(work.resolve("results/scores.json").toFile());
        assertEquals(5, scores.size());
        for (String good : new String[] {"part_00_good.png", "part_01_good.png"}) {
            assertEquals("OK", scores.get(good).get("verdict").asText(), good + ": " + scores.get(good));
        }
        for (String bad : new String[] {"part_02_scratch.png", "part_03_spot.png", "part_04_chip.png"}) {
            JsonNode e = scores.get(bad);
            assertEquals("NG", e.get("verdict").asText(), bad + ": " + e);
            assertTrue(e.get("normalized_score").asDouble() > 0.5, bad + ": " + e);
            // the map is hottest on the defect: its maximum is far above the good parts' maxima
            assertTrue(e.get("map_max").asDouble() > 10 * scores.get("part_00_good.png").get("map_max").asDouble(), bad + ": " + e);
        }
        JsonNode chip = scores.get("part_04_chip.png");
        assertEquals("demo/trained-1", chip.get("model").asText());
        assertTrue(chip.get("demo").asBoolean());
        assertNull(chip.get("demo_untrained"), "a trained demo is not labelled untrained");
        assertTrue(Files.exists(work.resolve("results/part_04_chip.overlay.png")));
        assertFalse(Files.exists(work.resolve("models/demo/untrained-1")), "models/ holds only the trained demo");
    }
}
