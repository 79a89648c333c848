package dev.anomalyedge.engine.trt;

import dev.anomalyedge.engine.EngineException;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NativeStackTest {
    @Test
    void releasesInReverseOrderOnce() {
        List<String> released = new ArrayList<>();
        NativeStack s = new NativeStack("test");
        s.push("runtime", () -> released.add("runtime"));
        s.push("engine", () -> released.add("engine"));
        s.push("context", () -> released.add("context"));
        assertEquals(3, s.size());
        s.close();
        s.close();
        assertEquals(List.of("context", "engine", "runtime"), released);
        assertThrows(IllegalStateException.class, () -> s.push("late", () -> { }));
    }

    @Test
    void aFailingReleaseDoesNotStopTheOthersAndIsReported() {
        List<String> released = new ArrayList<>();
        NativeStack s = new NativeStack("TensorRT engine x.plan");
        s.push("a", () -> released.add("a"));
        s.push("b", () -> { throw new IllegalStateException("CUDA cudaFree failed: cudaErrorInvalidValue (1)"); });
        s.push("c", () -> { throw new IllegalStateException("second"); });
        var e = assertThrows(EngineException.class, s::close);
        assertEquals(List.of("a"), released);
        assertEquals("TensorRT engine x.plan: releasing c failed: second", e.getMessage());
        assertEquals(1, e.getSuppressed().length);
        assertEquals("TensorRT engine x.plan: releasing b failed: CUDA cudaFree failed: cudaErrorInvalidValue (1)", e.getSuppressed()[0].getMessage());
    }

    @Test
    void closingAfterAFailedConstructionKeepsTheFirstCause() {
        List<String> released = new ArrayList<>();
        NativeStack s = new NativeStack("TensorRT few-shot head h.plan");
        s.push("stream", () -> released.add("stream"));
        s.push("buffer", () -> { throw new IllegalStateException("cudaFree failed"); });
        EngineException cause = new EngineException("createExecutionContext failed");
        s.closeAfter(cause);
        assertEquals(List.of("stream"), released);
        assertEquals(1, cause.getSuppressed().length);
        assertEquals("TensorRT few-shot head h.plan: releasing buffer failed: cudaFree failed", cause.getSuppressed()[0].getMessage());
        s.closeAfter(new EngineException("again")); // already closed: nothing more
        assertEquals(List.of("stream"), released);
    }

    @Test
    void ownedPointersAreDeallocatedAndNullResultsNamed() {
        NativeStack s = new NativeStack("TensorRT plan build");
        BytePointer bytes = new BytePointer(16);
        assertSame(bytes, s.own("bytes", bytes));
        var e = assertThrows(EngineException.class, () -> s.own("createInferBuilder", new Pointer(), "TensorRT said: CUDA initialization failure"));
        assertEquals("TensorRT plan build: createInferBuilder failed (returned NULL): TensorRT said: CUDA initialization failure", e.getMessage());
        var e2 = assertThrows(EngineException.class, () -> s.own("createInferRuntime", null));
        assertEquals("TensorRT plan build: createInferRuntime failed (returned NULL)", e2.getMessage());
        assertEquals(1, s.size());
        s.close();
        assertTrue(bytes.isNull(), "the owned pointer was released");
    }
}
