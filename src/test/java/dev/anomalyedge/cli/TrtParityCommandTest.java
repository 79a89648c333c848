package dev.anomalyedge.cli;

import dev.anomalyedge.engine.trt.TrtNatives;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/** The trt-parity command's options, usage errors and exit status; the GPU run itself is TrtGpuTest's and gpu-check.sh's. */
class TrtParityCommandTest {
    @TempDir
    Path dir;

    private final StringWriter usage = new StringWriter();

    /** picocli's exit status for {@code args}, its messages in {@link #usage}. */
    private int execute(String... args) {
        CommandLine cl = new CommandLine(new TrtParityCommand());
        cl.setErr(new PrintWriter(usage, true));
        cl.setOut(new PrintWriter(usage, true));
        return cl.execute(args);
    }

    @Test
    void optionsParseWithTheDefaultsOfTheGpuCheck() {
        TrtParityCommand cmd = new TrtParityCommand();
        new CommandLine(cmd).parseArgs("--bundle", "b");
        assertEquals(Path.of("b"), cmd.bundle);
        assertEquals(8, cmd.images);
        assertArrayEquals(new int[] {1, 8, 32}, cmd.batchSizes.sizes());
        assertArrayEquals(new int[] {1, 8}, cmd.ortBatchSizes.sizes());
        assertEquals(20, cmd.iterations);
        assertEquals(2, cmd.ortIterations);
        assertEquals("fp16", cmd.precision);
        assertEquals(32, cmd.maxBatch);
        assertEquals(8, cmd.optBatch);
        assertEquals(4096, cmd.workspaceMib);
        assertFalse(cmd.noBuild);
        assertNull(cmd.json);

        new CommandLine(cmd).parseArgs("--bundle", "b", "--batch-sizes", "1, 8,32", "--no-build", "--json", "r.json");
        assertArrayEquals(new int[] {1, 8, 32}, cmd.batchSizes.sizes());
        assertTrue(cmd.noBuild);
        assertEquals(Path.of("r.json"), cmd.json);
    }

    @Test
    void batchSizesArePositiveIntegers() {
        assertEquals(32, TrtParityCommand.BatchSizes.parse("1,32,8").max());
        assertThrows(CommandLine.TypeConversionException.class, () -> TrtParityCommand.BatchSizes.parse("1,0"));
        assertThrows(CommandLine.TypeConversionException.class, () -> TrtParityCommand.BatchSizes.parse("a"));
        assertThrows(CommandLine.TypeConversionException.class, () -> TrtParityCommand.BatchSizes.parse(""));
    }

    @Test
    void usageErrorsExitWithTwo() {
        assertEquals(2, execute(), "no --bundle");
        assertTrue(usage.toString().contains("Missing required option: '--bundle=<bundle>'"), usage.toString());
        assertEquals(2, execute("--bundle"), "option without value");
        assertEquals(2, execute("--bundle", "b", "--batch-sizes", "1,0"), "not a batch size");
        assertEquals(2, execute("--bundle", "b", "extra"), "unexpected argument");
    }

    @Test
    void helpNamesEveryOptionAndTheExitStatus() {
        assertEquals(0, execute("--help"));
        String help = usage.toString();
        for (String option : new String[] {"--bundle", "--images", "--batch-sizes", "--ort-batch-sizes", "--iterations", "--ort-iterations",
                "--precision", "--max-batch", "--opt-batch", "--workspace-mib", "--no-build", "--json"}) {
            assertTrue(help.contains(option), option + " in\n" + help);
        }
        assertTrue(help.contains("Exit status:"), help);
    }

    @Test
    void isASubcommandOfTheAppliance() {
        CommandLine appliance = new CommandLine(new ApplianceCommand());
        assertTrue(appliance.getSubcommands().containsKey("trt-parity"), "appliance trt-parity");
    }

    @Test
    void withoutTensorRtTheJsonSaysWhyAndTheStatusIsTwo() throws IOException {
        assumeFalse(TrtNatives.probe().available(), "this box has TensorRT");
        Path json = dir.resolve("out/result.json");
        TrtParityCommand cmd = new TrtParityCommand();
        new CommandLine(cmd).parseArgs("--bundle", dir.toString(), "--json", json.toString());
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        assertEquals(2, cmd.run(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8)));
        assertTrue(err.toString(StandardCharsets.UTF_8).startsWith("TensorRT is not available: "));
        String report = Files.readString(json);
        assertTrue(report.contains("\"status\" : \"tensorrt unavailable\""), report);
        assertTrue(report.contains("\"bundle\" : \"" + dir + "\""), report);
    }
}
