package dev.anomalyedge.engine.trt;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

class OnceTest {
    @Test
    void theSupplierRunsOnceEvenWithConcurrentCallers() throws InterruptedException {
        AtomicInteger calls = new AtomicInteger();
        Once<String> once = new Once<>(() -> "result " + calls.incrementAndGet());
        CountDownLatch go = new CountDownLatch(1);
        List<String> seen = java.util.Collections.synchronizedList(new ArrayList<>());
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            Thread t = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                seen.add(once.get());
            });
            t.start();
            threads.add(t);
        }
        go.countDown();
        for (Thread t : threads) t.join();
        assertEquals(1, calls.get());
        assertEquals(1, once.runs());
        assertEquals(8, seen.size());
        seen.forEach(s -> assertEquals("result 1", s));
        assertSame(once.get(), once.get());
    }

    @Test
    void aNullResultIsRefused() {
        Once<String> once = new Once<>(() -> null);
        var e = assertThrows(NullPointerException.class, once::get);
        assertEquals("a Once supplier returned null", e.getMessage());
    }
}
