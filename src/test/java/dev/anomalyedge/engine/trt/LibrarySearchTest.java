package dev.anomalyedge.engine.trt;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LibrarySearchTest {
    @TempDir
    Path dir;

    @Test
    void searchOrderIsLdLibraryPathThenLdSoConfThenSystemDirectories() throws IOException {
        Path confD = Files.createDirectories(dir.resolve("ld.so.conf.d"));
        Files.writeString(confD.resolve("b-cuda.conf"), "/opt/cuda/lib64\n");
        Files.writeString(confD.resolve("a-trt.conf"), "# TensorRT\n/opt/trt/lib  # comment\n\n");
        Files.writeString(confD.resolve("ignored.txt"), "/nope\n");
        Path conf = Files.writeString(dir.resolve("ld.so.conf"), "include " + confD + "/*.conf\n/usr/local/lib\n");
        LibrarySearch s = LibrarySearch.of("/first::/second", conf);
        List<Path> dirs = s.dirs();
        assertEquals(List.of(Path.of("/first"), Path.of("/second"), Path.of("/opt/trt/lib"), Path.of("/opt/cuda/lib64"), Path.of("/usr/local/lib")),
                dirs.subList(0, 5));
        assertTrue(dirs.contains(Path.of("/usr/local/cuda-13.1/targets/x86_64-linux/lib")), "the JNI libraries' run path");
        assertEquals(dirs.size(), dirs.stream().distinct().count(), "no duplicates");
    }

    @Test
    void findAndMissing() throws IOException {
        Path a = Files.createDirectories(dir.resolve("a")), b = Files.createDirectories(dir.resolve("b"));
        Files.write(b.resolve("libnvinfer.so.10"), new byte[0]);
        LibrarySearch s = new LibrarySearch(List.of(a, b));
        assertEquals(Optional.of(b.resolve("libnvinfer.so.10")), s.find("libnvinfer.so.10"));
        assertEquals(List.of("libnvonnxparser.so.10"), s.missing(List.of("libnvinfer.so.10", "libnvonnxparser.so.10"), f -> false));
        assertEquals(List.of(), s.missing(List.of("libnvonnxparser.so.10"), f -> true), "bundled in a jar counts as present");
        assertEquals(a + ":" + b, s.describe());
    }
}
