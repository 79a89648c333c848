package dev.anomalyedge.testing;

import dev.anomalyedge.tensor.Npy;
import dev.anomalyedge.tensor.Tensor;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.fail;

/** Access to the golden reference cases kept in {@code src/test/golden} (provenance in its README). */
public final class Golden {
    private Golden() {}

    public static final List<String> CASES = List.of("case1_p14_s112_taps4", "case2_p16_s96_top", "case3_p14_s98_1head");

    /** The golden root: system property {@code golden.dir}, else {@code src/test/golden}. Fails when absent. */
    public static Path root() {
        String p = System.getProperty("golden.dir");
        Path root = p != null ? Path.of(p) : Path.of("src", "test", "golden");
        if (!Files.isDirectory(root)) fail("golden reference data not found at " + root.toAbsolutePath()
                + " (it is part of the repository: src/test/golden)");
        return root;
    }

    public static Path caseDir(String name) {
        return root().resolve(name);
    }

    public static Stream<String> cases() {
        return CASES.stream();
    }

    public static Tensor npy(String caseName, String relative) {
        try {
            return Npy.read(caseDir(caseName).resolve(relative));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Asserts |actual − expected| ≤ atol + rtol·|expected| elementwise; on failure prints the max difference and the
     * first mismatches.
     */
    public static void assertClose(String what, float[] expected, float[] actual, double atol, double rtol) {
        if (expected.length != actual.length) {
            fail(what + ": length " + actual.length + " != expected " + expected.length);
        }
        double maxDiff = 0;
        int bad = 0;
        StringBuilder first = new StringBuilder();
        for (int i = 0; i < expected.length; i++) {
            double d = Math.abs((double) actual[i] - expected[i]);
            if (Double.isNaN(actual[i]) != Double.isNaN(expected[i])) d = Double.POSITIVE_INFINITY;
            maxDiff = Math.max(maxDiff, d);
            if (d > atol + rtol * Math.abs(expected[i])) {
                if (bad < 5) first.append("\n  [").append(i).append("] expected ").append(expected[i]).append(" got ").append(actual[i]);
                bad++;
            }
        }
        if (bad > 0) {
            fail(what + ": " + bad + " of " + expected.length + " elements off (atol " + atol + ", rtol " + rtol
                    + "), max |diff| " + maxDiff + first);
        }
    }

    public static void assertClose(String what, Tensor expected, float[] actual, double atol) {
        assertClose(what, expected.floats(), actual, atol, 0);
    }

    /** Slice [index] along the first axis of a float tensor. */
    public static float[] first(Tensor t, int index) {
        int n = (int) (t.numel() / t.dim(0));
        float[] out = new float[n];
        System.arraycopy(t.floats(), index * n, out, 0, n);
        return out;
    }

    public static Path tempDir(String prefix) {
        try {
            return Files.createTempDirectory(prefix);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
