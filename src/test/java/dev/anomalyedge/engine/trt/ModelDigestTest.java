package dev.anomalyedge.engine.trt;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelDigestTest {
    @TempDir
    Path dir;

    @Test
    void knownDigestOfAFile() throws IOException {
        Path m = Files.writeString(dir.resolve("visual.onnx"), "abc");
        // FIPS 180-2 test vector for "abc"
        assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", ModelDigest.sha256(m));
    }

    @Test
    void theExternalDataFileIsPartOfTheDigest() throws IOException {
        Path model = Files.write(dir.resolve("visual.onnx"), new byte[] {1, 2, 3});
        String modelOnly = ModelDigest.sha256(model);
        Path data = Files.write(ModelDigest.dataFile(model), new byte[3 << 20]); // > one read buffer
        assertEquals(dir.resolve("visual.onnx.data"), data);
        String withData = ModelDigest.sha256(model);
        assertNotEquals(modelOnly, withData);
        // same as hashing the concatenation: model bytes, then data bytes
        byte[] both = new byte[3 + (3 << 20)];
        both[0] = 1; both[1] = 2; both[2] = 3;
        assertEquals(ModelDigest.sha256(Files.write(dir.resolve("concatenated.bin"), both)), withData);
        byte[] changed = new byte[3 << 20];
        changed[changed.length - 1] = 7; // one weight changes
        Files.write(data, changed);
        assertNotEquals(withData, ModelDigest.sha256(model));
    }

    @Test
    void aMissingModelIsNamed() {
        var e = assertThrows(UncheckedIOException.class, () -> ModelDigest.sha256(dir.resolve("nope.onnx")));
        assertTrue(e.getMessage().contains("nope.onnx"), e.getMessage());
    }
}
