package dev.anomalyedge.bundle;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The active pointer: written atomically; at start a pointer that cannot be followed falls back to the newest bundle. */
class ModelRepositoryTest {
    @TempDir
    Path dir;
    ModelRepository repo;
    Path pointer;

    @BeforeEach
    void twoBundles() throws Exception {
        RepositoryFixture.place(dir, "part-a", "1", "2026-01-01T00:00:00Z");
        RepositoryFixture.place(dir, "part-a", "2", "2026-03-01T00:00:00Z"); // the newest
        RepositoryFixture.place(dir, "part-b", "1", "2026-02-01T00:00:00Z");
        repo = new ModelRepository(dir);
        pointer = dir.resolve(ModelRepository.ACTIVE);
    }

    @Test
    void aValidPointerIsFollowed() throws Exception {
        repo.setActive(new ModelRepository.ModelRef("part-b", "1"));
        assertEquals("part-b/1", repo.defaultModel().orElseThrow().toString());
        assertEquals(Optional.empty(), repo.fallbackReason());
        assertFalse(Files.exists(dir.resolve(ModelRepository.ACTIVE + ".tmp")), "no temporary file is left");
    }

    @Test
    void withoutAPointerTheNewestIsServedAndThatIsNoFallback() throws Exception {
        assertEquals("part-a/2", repo.defaultModel().orElseThrow().toString());
        assertEquals(Optional.empty(), repo.fallbackReason());
    }

    @Test
    void aZeroLengthPointerFallsBackToTheNewest() throws Exception {
        Files.write(pointer, new byte[0]);
        assertThrows(BundleException.class, repo::active, "an empty pointer is a clear error, not a NullPointerException");
        assertFallsBack("is empty");
    }

    @Test
    void aCorruptPointerFallsBackToTheNewest() throws Exception {
        Files.writeString(pointer, "{\"name\": \"part-b\", \"vers");
        assertFallsBack("cannot read the active model pointer");
        Files.writeString(pointer, "[\"part-b\", \"1\"]");
        assertFallsBack("not a {\"name\"");
        Files.writeString(pointer, "{\"name\": \"part-b\"}");
        assertFallsBack("not a {\"name\"");
    }

    @Test
    void aDanglingPointerFallsBackToTheNewest() throws Exception {
        repo.setActive(new ModelRepository.ModelRef("part-c", "9"));
        assertFallsBack("names part-c/9, which is not a bundle in the repository");
        Files.writeString(dir.resolve("part-b/1").resolve(ModelBundle.MANIFEST), "{}"); // there, but not loadable
        repo.setActive(new ModelRepository.ModelRef("part-b", "1"));
        assertFallsBack("names part-b/1, which cannot be loaded");
    }

    @Test
    void aFollowedPointerClearsAnEarlierFallback() throws Exception {
        Files.write(pointer, new byte[0]);
        repo.defaultModel();
        repo.setActive(new ModelRepository.ModelRef("part-a", "1"));
        assertEquals("part-a/1", repo.defaultModel().orElseThrow().toString());
        assertEquals(Optional.empty(), repo.fallbackReason());
    }

    @Test
    void aFailedWriteKeepsThePreviousPointer() throws Exception {
        repo.setActive(new ModelRepository.ModelRef("part-b", "1"));
        Files.createDirectories(dir.resolve(ModelRepository.ACTIVE + ".tmp").resolve("blocker")); // the temporary file cannot be written
        assertThrows(java.io.IOException.class, () -> repo.setActive(new ModelRepository.ModelRef("part-a", "1")));
        assertEquals("part-b/1", repo.active().orElseThrow().toString());
    }

    private void assertFallsBack(String why) throws Exception {
        assertEquals("part-a/2", repo.defaultModel().orElseThrow().toString());
        String reason = repo.fallbackReason().orElseThrow();
        assertTrue(reason.contains(why) && reason.contains("serving the newest loadable bundle part-a/2"), reason);
    }
}
