package dev.anomalyedge.text;

import dev.anomalyedge.tensor.Tensor;
import dev.anomalyedge.testing.Golden;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** Golden comparisons that also print the measured max |diff| (for the record of how close we are). */
final class DiffReport {
    private DiffReport() {}

    static double maxAbsDiff(float[] a, float[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs((double) a[i] - b[i]));
        return m;
    }

    /** Asserts shape equality and |actual − expected| ≤ atol; prints the max difference. */
    static double check(String what, Tensor expected, Tensor actual, double atol) {
        assertArrayEquals(expected.shape(), actual.shape(), what + ": shape");
        Golden.assertClose(what, expected.floats(), actual.floats(), atol, 0);
        double d = maxAbsDiff(expected.floats(), actual.floats());
        System.out.printf("%-60s max|diff| %.3g (tol %.1g)%n", what, d, atol);
        return d;
    }
}
