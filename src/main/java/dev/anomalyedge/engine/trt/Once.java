package dev.anomalyedge.engine.trt;

import java.util.Objects;
import java.util.function.Supplier;

/**
 * Computes a value at most once and remembers it. The supplier must not throw: native probes catch every failure and
 * return it as a value, because a failed JavaCPP load poisons the preset class for the rest of the process (a second
 * {@code Loader.load} only gives {@code NoClassDefFoundError: Could not initialize class}).
 */
public final class Once<T> implements Supplier<T> {
    private final Supplier<T> supplier;
    private volatile T value;
    private int runs;

    public Once(Supplier<T> supplier) {
        this.supplier = Objects.requireNonNull(supplier, "supplier");
    }

    @Override
    public T get() {
        T v = value;
        if (v != null) return v;
        synchronized (this) {
            if (value == null) {
                runs++;
                value = Objects.requireNonNull(supplier.get(), "a Once supplier returned null");
            }
            return value;
        }
    }

    /** How many times the supplier ran (0 or 1). */
    public synchronized int runs() {
        return runs;
    }
}
