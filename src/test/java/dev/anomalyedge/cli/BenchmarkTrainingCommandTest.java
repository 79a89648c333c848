package dev.anomalyedge.cli;

import dev.anomalyedge.training.TrainingBenchmark;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * {@code benchmark-training} reads its options into the benchmark's: the defaults the README's script and the docs
 * rely on (full size, 2 images, 3 steps, batch 8, 15 epochs, 1,725 images) and the {@code --arch demo} spelling. The
 * measurement itself is {@code training.TrainingBenchmarkTest}'s.
 */
class BenchmarkTrainingCommandTest {
    @Test
    void defaultsAreTheOfficialRun() {
        BenchmarkTrainingCommand command = new BenchmarkTrainingCommand();
        new CommandLine(command).parseArgs();
        TrainingBenchmark.Options o = command.options();
        assertEquals(new TrainingBenchmark.Options(TrainingBenchmark.Arch.VIT_L_14_336, null, Path.of("bench-training"), 2, 3, 8, 15, 1725,
                Runtime.getRuntime().availableProcessors()), o);
    }

    @Test
    void everyOptionReachesTheBenchmark() {
        BenchmarkTrainingCommand command = new BenchmarkTrainingCommand();
        new CommandLine(command).parseArgs("--arch", "demo", "--clip", "c.safetensors", "--work", "w", "--images", "4", "--steps", "1",
                "--batch-size", "2", "--epochs", "3", "--dataset-size", "5", "--threads", "1");
        assertEquals(new TrainingBenchmark.Options(TrainingBenchmark.Arch.DEMO, Path.of("c.safetensors"), Path.of("w"), 4, 1, 2, 3, 5, 1),
                command.options());
    }

    @Test
    void nothingToMeasureFailsBeforeAnyWork(@TempDir Path dir) {
        CommandLine cli = new CommandLine(new BenchmarkTrainingCommand());
        cli.setErr(new PrintWriter(Writer.nullWriter()));
        Path work = dir.resolve("work");
        assertEquals(1, cli.execute("--arch", "demo", "--steps", "0", "--work", work.toString()));
        assertFalse(Files.exists(work), "no working directory for a benchmark that cannot run");
    }
}
