package dev.anomalyedge.engine.ort;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ONNX Runtime recurses over the process's command line while it creates its environment: on a default thread stack a
 * command line of ~4 KB (inspect with fifty image paths) killed the JVM with SIGSEGV. The environment is created on a
 * thread whose stack grows with the command line.
 */
class OrtRuntimeTest {

    /** Child JVM: starts ONNX Runtime through {@link OrtRuntime} and opens a session, with a long command line. */
    public static final class Child {
        public static void main(String[] args) throws Exception {
            System.out.println("version=" + OrtRuntime.environment().getVersion());
            System.out.println("same=" + (OrtRuntime.environment() == ai.onnxruntime.OrtEnvironment.getEnvironment()));
        }
    }

    @Test
    void aLongCommandLineDoesNotCrashOnnxRuntime() throws IOException, InterruptedException {
        String longArgument = "x".repeat(12_000);  // crashed from about 4,000 characters on
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:ErrorFile=" + Path.of(System.getProperty("java.io.tmpdir"), "hs_err_anomalyedge_ort_%p.log"),
                "-cp", System.getProperty("java.class.path"), Child.class.getName(), longArgument)
                .redirectErrorStream(true).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "child JVM did not finish");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), "child JVM exit code (139 = SIGSEGV):\n" + out);
        assertTrue(out.contains("version=1."), out);
        assertTrue(out.contains("same=true"), "one environment per process:\n" + out);
    }

    @Test
    void theStackGrowsWithTheCommandLineWithinBounds() {
        assertEquals(64L << 20, OrtRuntime.stackFor(0), "at least 64 MiB");
        assertEquals(64L << 20, OrtRuntime.stackFor(12_000), "12,000 bytes need far less than 64 MiB");
        assertEquals(200_000L << 10, OrtRuntime.stackFor(200_000), "1 KiB per byte");
        assertEquals(1L << 30, OrtRuntime.stackFor(10_000_000), "at most 1 GiB");
    }
}
