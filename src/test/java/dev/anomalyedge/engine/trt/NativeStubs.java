package dev.anomalyedge.engine.trt;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Builds the stand-in driver, CUDA runtime and TensorRT libraries of src/test/resources/native-stubs with the system
 * C compiler, and runs test mains in child JVMs (a fresh process, so nothing the test JVM loaded interferes).
 */
final class NativeStubs {
    /** file name -> source */
    static final Map<String, String> LIBRARIES = Map.of("libcuda.so.1", "empty.c", "libcudart.so.13", "empty.c",
            "libnvinfer.so.10", "nvinfer.c", "libnvonnxparser.so.10", "nvonnxparser.c");

    private NativeStubs() {}

    /** Compiles the stand-ins named in {@code names} into {@code dir}; skips the test where there is no C compiler. */
    static Path compile(Path dir, List<String> names) throws IOException {
        Files.createDirectories(dir);
        for (String name : names) {
            String source = LIBRARIES.get(name);
            Path c = dir.resolve(source);
            try (InputStream in = NativeStubs.class.getResourceAsStream("/native-stubs/" + source)) {
                Files.copy(in, c, StandardCopyOption.REPLACE_EXISTING);
            }
            List<String> cmd = List.of("cc", "-shared", "-fPIC", "-o", dir.resolve(name).toString(), "-Wl,-soname," + name, c.toString());
            ChildProcess.Outcome o;
            try {
                o = ChildProcess.run(cmd, Map.of(), Duration.ofSeconds(60), line -> { });
            } catch (RuntimeException e) {
                assumeTrue(false, "no C compiler here to build the stand-in libraries: " + e.getMessage());
                throw e;
            }
            if (!o.succeeded()) throw new IOException("cc failed for " + name + ": " + o.tailText());
        }
        return dir;
    }

    /** All four stand-ins. */
    static Path compileAll(Path dir) throws IOException {
        return compile(dir, new ArrayList<>(LIBRARIES.keySet()));
    }

    /** Runs {@code main} in a child JVM on this test class path, with {@code env}; output lines are collected. */
    static Run java(Class<?> main, Map<String, String> env, List<String> jvmArgs, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-XX:ErrorFile=" + Path.of(System.getProperty("java.io.tmpdir"), "hs_err_anomalyedge_stub_%p.log")); // a crash report in the temp dir, not the child's working directory
        cmd.addAll(jvmArgs);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
        cmd.addAll(List.of(args));
        List<String> lines = new ArrayList<>();
        ChildProcess.Outcome o = ChildProcess.run(cmd, env, Duration.ofSeconds(120), line -> {
            synchronized (lines) {
                lines.add(line);
            }
        });
        synchronized (lines) {
            return new Run(o, List.copyOf(lines));
        }
    }

    /** A child JVM's outcome and all its output lines. */
    record Run(ChildProcess.Outcome outcome, List<String> lines) {
        /** The value of the first "key=value" line. */
        String value(String key) {
            return lines.stream().filter(l -> l.startsWith(key + "=")).map(l -> l.substring(key.length() + 1)).findFirst()
                    .orElseThrow(() -> new AssertionError("no " + key + "= line in:\n" + String.join("\n", lines)));
        }

        /** The files mapped into the child, from its "mapped=" lines. */
        List<String> mapped() {
            return lines.stream().filter(l -> l.startsWith("mapped=")).map(l -> l.substring(7)).toList();
        }

        String all() {
            return String.join("\n", lines);
        }
    }

    /** Prints the shared libraries mapped into this process, one "mapped=PATH" line each (for child mains). */
    static void printMappedLibraries() throws IOException {
        Files.readAllLines(Path.of("/proc/self/maps")).stream().filter(l -> l.contains(".so")).map(l -> l.substring(l.indexOf('/')))
                .distinct().forEach(p -> System.out.println("mapped=" + p));
    }
}
