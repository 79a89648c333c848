package dev.anomalyedge.util;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FileTreesTest {
    @TempDir
    Path tmp;

    @Test
    void deletesATreeButNotWhatALinkPointsTo() throws Exception {
        Path outside = Files.writeString(tmp.resolve("keep.txt"), "keep");
        Path tree = Files.createDirectories(tmp.resolve("t/a/b"));
        Files.writeString(tree.resolve("f"), "x");
        Files.createSymbolicLink(tmp.resolve("t/link"), outside);
        FileTrees.deleteTree(tmp.resolve("t"));
        assertFalse(Files.exists(tmp.resolve("t")));
        assertEquals("keep", Files.readString(outside));
        FileTrees.deleteTree(tmp.resolve("never-there")); // nothing to do
        assertTrue(Files.exists(outside));
    }

    @Test
    void causesReadOnOneLine() {
        Exception e = new IllegalStateException("outer", new RuntimeException("root"));
        assertEquals("java.lang.IllegalStateException: outer <- java.lang.RuntimeException: root", Causes.chain(e));
    }
}
