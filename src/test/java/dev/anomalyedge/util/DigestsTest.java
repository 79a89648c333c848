package dev.anomalyedge.util;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DigestsTest {
    @TempDir
    Path tmp;

    @Test
    void knownVectors() {
        // FIPS 180-2 test vector "abc"
        assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", Digests.sha256Text("abc"));
        assertEquals(Digests.sha256Text("a\nb\n"), Digests.sha256Lines("a", "b"));
    }

    @Test
    void filesInOrderEqualTheirConcatenation() throws Exception {
        Path a = Files.writeString(tmp.resolve("a"), "abc");
        Path b = Files.writeString(tmp.resolve("b"), "def");
        byte[] big = new byte[3 << 20]; // crosses the read buffer
        for (int i = 0; i < big.length; i++) big[i] = (byte) (i * 31);
        Path c = Files.write(tmp.resolve("c"), big);
        assertEquals(Digests.sha256Text("abcdef"), Digests.sha256(a, b));
        assertNotEquals(Digests.sha256(a, b), Digests.sha256(b, a));
        java.security.MessageDigest d = java.security.MessageDigest.getInstance("SHA-256");
        assertEquals(java.util.HexFormat.of().formatHex(d.digest(big)), Digests.sha256(c));
    }

    @Test
    void anUnreadableFileNamesItself() {
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> Digests.sha256(tmp.resolve("missing")));
        assertTrue(e.getMessage().contains("missing"), e.getMessage());
    }
}
