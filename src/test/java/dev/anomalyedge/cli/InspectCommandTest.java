package dev.anomalyedge.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.anomalyedge.testing.Golden;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad input on the command line: clear messages, nothing lost. Uses the bundle of {@code demo --untrained}. */
class InspectCommandTest {
    static Path work;
    static Path bundle;

    @BeforeAll
    static void demo() {
        work = Golden.tempDir("inspect-cmd-");
        assertEquals(0, new CommandLine(new DemoCommand()).execute("--out", work.toString(), "--untrained"));
        bundle = work.resolve("models/demo/untrained-1");
    }

    @Test
    void demoWritesScoresMapsAndOverlaysMarkedAsUntrained() throws Exception {
        JsonNode scores = new ObjectMapper().readTree(work.resolve("results/scores.json").toFile());
        assertEquals(5, scores.size());
        JsonNode good = scores.get("part_00_good.png");
        double s = good.get("score").asDouble();
        assertTrue(s > 0 && s < 1, "score is a probability: " + s);
        assertTrue(good.get("demo_untrained").asBoolean());
        assertTrue(good.get("demo").asBoolean());
        assertEquals("UNCALIBRATED", good.get("verdict").asText(), "no thresholds in an uncalibrated bundle");
        assertTrue(good.get("threshold") == null && good.get("normalized_score") == null, good.toString());
        assertTrue(Files.exists(work.resolve("results/part_04_chip.map.npy")));
    }

    @Test
    void corruptImageIsReportedAndTheOthersAreStillScored() throws Exception {
        Path bad = work.resolve("broken.png");
        Files.write(bad, new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3});
        Path out = work.resolve("out-bad");
        int rc = new CommandLine(new InspectCommand()).execute("--bundle", bundle.toString(), "--out", out.toString(),
                bad.toString(), work.resolve("images/part_02_scratch.png").toString());
        assertEquals(1, rc, "a failed image makes the exit code non-zero");
        JsonNode scores = new ObjectMapper().readTree(out.resolve("scores.json").toFile());
        assertTrue(scores.get("broken.png").get("score").isNull());
        assertTrue(scores.get("broken.png").get("error").asText().contains("broken.png"), scores.toString());
        assertTrue(scores.get("part_02_scratch.png").get("score").isNumber());
    }

    @Test
    void duplicateStemsAndMissingBundleAreRefusedWithAClearMessage() throws Exception {
        Path other = Files.createDirectories(work.resolve("other"));
        Path copy = Files.copy(work.resolve("images/part_00_good.png"), other.resolve("part_00_good.png"));
        String err = run(new InspectCommand(), "--bundle", bundle.toString(), "--out", work.resolve("o2").toString(),
                work.resolve("images/part_00_good.png").toString(), copy.toString());
        assertTrue(err.contains("part_00_good"), err);

        err = run(new InspectCommand(), "--bundle", work.resolve("nope").toString(), "--out", work.resolve("o3").toString(),
                copy.toString());
        assertTrue(err.contains("nope") && err.contains("not a bundle directory"), err);
    }

    @Test
    void exportRefusesToOverwriteAForeignDirectory() throws Exception {
        Path foreign = Files.createDirectories(work.resolve("precious"));
        Files.writeString(foreign.resolve("notes.txt"), "keep me");
        String err = run(new ExportCommand(), "--clip", work.resolve("checkpoints/demo_clip.safetensors").toString(),
                "--prompts", work.resolve("checkpoints/demo_prompt_learner.safetensors").toString(),
                "--image-size", "224", "--features-list", "2,4,6", "--dpam", "6", "--depth", "3",
                "--out", foreign.toString());
        assertTrue(err.contains("refusing to overwrite"), err);
        assertEquals("keep me", Files.readString(foreign.resolve("notes.txt")));
    }

    @Test
    void wrongSettingsForTheCheckpointAreExplained() {
        String err = run(new ExportCommand(), "--clip", work.resolve("checkpoints/demo_clip.safetensors").toString(),
                "--prompts", work.resolve("checkpoints/demo_prompt_learner.safetensors").toString(),
                "--features-list", "6,12,18,24", "--out", work.resolve("x").toString());
        assertTrue(err.contains("features list entry 12 is outside blocks 1..6"), err);
    }

    /** Runs a command with the application's error handler and returns what it printed on stderr. */
    static String run(Object command, String... args) {
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(command);
        cl.setErr(new PrintWriter(err, true));
        cl.setExecutionExceptionHandler((ex, c, p) -> {
            c.getErr().println("error: " + CliConfiguration.describe(ex));
            return 2;
        });
        int rc = cl.execute(args);
        assertEquals(2, rc, "expected a failure, stderr: " + err);
        return err.toString();
    }
}
