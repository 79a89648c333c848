package dev.anomalyedge.cli;

import dev.anomalyedge.weights.HostileFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code export} of a hostile checkpoint: one {@code error:} line naming the file, exit code 2, within seconds. */
class HostileCheckpointCommandTest {
    @TempDir
    Path tmp;

    @Test
    void exportOfAHostileCheckpointIsAOneLineErrorAndExitCode2() throws IOException {
        List<Path> hostile = List.of(
                HostileFiles.cyclicPersistentId(tmp.resolve("cyclic.pth")),
                HostileFiles.sharedSubModules(tmp.resolve("shared.pt"), 60),
                HostileFiles.aliasedSafetensors(tmp.resolve("aliased.safetensors"), 200, 4096),
                HostileFiles.deflatedStorage(tmp.resolve("bomb.pth"), 128L << 20, 32L << 20));
        Path out = tmp.resolve("bundle");
        for (Path clip : hostile) {
            String err = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> InspectCommandTest.run(new ExportCommand(),
                    "--clip", clip.toString(), "--prompts", tmp.resolve("prompts.pth").toString(), "--out", out.toString()));
            assertTrue(err.startsWith("error: " + clip + ": "), err);
            assertEquals(1, err.strip().lines().count(), "one line: " + err);
        }
        assertFalse(Files.exists(out), "nothing written");
    }
}
