package dev.anomalyedge.util;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

class DurableFilesTest {
    @TempDir
    Path dir;

    @Test
    void replacesTheContentAndLeavesNoTemporaryFile() throws IOException {
        Path file = dir.resolve("pointer.json");
        DurableFiles.replace(file, "{\"v\":1}".getBytes(StandardCharsets.UTF_8));
        DurableFiles.replace(file, "{\"v\":2}".getBytes(StandardCharsets.UTF_8));
        assertEquals("{\"v\":2}", Files.readString(file));
        assertFalse(Files.exists(DurableFiles.temporary(file)));
    }

    @Test
    void aFailedWriteKeepsTheOldContent() throws IOException {
        Path file = dir.resolve("pointer.json");
        DurableFiles.replace(file, "old".getBytes(StandardCharsets.UTF_8));
        Files.createDirectories(DurableFiles.temporary(file).resolve("blocker")); // the temporary file cannot be written
        assertThrows(IOException.class, () -> DurableFiles.replace(file, "new".getBytes(StandardCharsets.UTF_8)));
        assertEquals("old", Files.readString(file));
    }

    @Test
    void aLeftoverTemporaryFileFromACrashIsOverwritten() throws IOException {
        Path file = dir.resolve("pointer.json");
        Files.writeString(DurableFiles.temporary(file), "half-written garbage from before a power cut, longer than the new content");
        DurableFiles.replace(file, "new".getBytes(StandardCharsets.UTF_8));
        assertEquals("new", Files.readString(file));
        assertFalse(Files.exists(DurableFiles.temporary(file)));
    }
}
