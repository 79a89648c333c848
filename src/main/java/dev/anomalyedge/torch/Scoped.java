package dev.anomalyedge.torch;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

import java.util.function.Supplier;

/** Runs libtorch code so that every temporary native object is freed when it returns. */
public final class Scoped {
    private Scoped() {}

    /**
     * Evaluates {@code body} inside a fresh {@link PointerScope}: all native objects it creates are released on return,
     * except the tensor it returns (which must be newly created by {@code body}). That tensor belongs to the caller's
     * innermost PointerScope when there is one, otherwise to the caller, who must {@code close()} it.
     */
    public static Tensor compute(Supplier<Tensor> body) {
        Tensor result;
        try (PointerScope scope = new PointerScope()) {
            result = body.get();
            result.retainReference();
        }
        PointerScope outer = PointerScope.getInnerScope();
        if (outer != null) {
            outer.attach(result);
            result.releaseReference();
        }
        return result;
    }

    /** Like {@link #compute} but returns nothing: every native object created by {@code body} is released. */
    public static void run(Runnable body) {
        try (PointerScope scope = new PointerScope()) {
            body.run();
        }
    }

    /**
     * Creates a tensor that will be owned by a long-lived object (a field): it is detached from every PointerScope
     * and must be released with {@code close()} by its owner.
     */
    public static Tensor owned(Supplier<Tensor> body) {
        Tensor result;
        try (PointerScope scope = new PointerScope()) {
            result = body.get();
            result.retainReference();
        }
        return result;
    }
}
