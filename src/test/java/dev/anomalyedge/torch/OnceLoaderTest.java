package dev.anomalyedge.torch;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OnceLoaderTest {

    @Test
    void successIsRememberedAndTheActionRunsOnce() {
        AtomicInteger runs = new AtomicInteger();
        OnceLoader once = new OnceLoader("thing", runs::incrementAndGet);
        once.ensure();
        once.ensure();
        assertEquals(1, runs.get());
    }

    @Test
    void failureIsRememberedAndRethrownWithTheRootCause() {
        AtomicInteger runs = new AtomicInteger();
        OnceLoader once = new OnceLoader("libfoo", () -> {
            runs.incrementAndGet();
            throw new IllegalStateException("outer", new UnsatisfiedLinkError("libfoo.so: cannot open shared object file"));
        });
        IllegalStateException first = assertThrows(IllegalStateException.class, once::ensure);
        assertTrue(first.getMessage().startsWith("cannot load libfoo: ") && first.getMessage().contains("cannot open shared object"),
                first.getMessage());
        IllegalStateException second = assertThrows(IllegalStateException.class, once::ensure);
        assertSame(first, second, "the same error, not a retry");
        assertEquals(1, runs.get());
    }
}
