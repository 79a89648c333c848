package dev.anomalyedge.archive;

import dev.anomalyedge.image.Heatmap;
import dev.anomalyedge.image.PillowImage;
import dev.anomalyedge.image.PixelMode;
import dev.anomalyedge.inspection.Calibration;
import dev.anomalyedge.inspection.InspectionResult;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.fail;

/** Results, input bytes, a settable clock and a bounded wait for the archive's tests. */
final class ArchiveFixture {
    private ArchiveFixture() {}

    static final int S = 8;
    static final Heatmap.Range RANGE = Heatmap.Range.fixed(0, 1);

    /** A result as the pipeline makes it: inspected ones carry an S×S map and input picture, ERROR ones neither. */
    static InspectionResult result(Instant t, Calibration.Verdict v, String partId) {
        String id = UUID.randomUUID().toString();
        if (v == Calibration.Verdict.ERROR) {
            return new InspectionResult(id, t.toString(), partId, "test", null, null, v, 12, false, null, null, null,
                    new InspectionResult.Timings(0, 0, 0, 1, 0), new InspectionResult.Error("undecodable", "not an image"), null, null);
        }
        float[] map = new float[S * S];
        for (int i = 0; i < map.length; i++) map[i] = i / (float) map.length;
        byte[] rgb = new byte[S * S * 3];
        Arrays.fill(rgb, (byte) 100);
        return new InspectionResult(id, t.toString(), partId, "test", 0.5, 0.5, v, v.resultCode(), v == Calibration.Verdict.OK,
                0.4, new InspectionResult.MapStats(S, 1, 0.5, 0.5, 0.1), null, new InspectionResult.Timings(1, 1, 1, 3, 1), null,
                map, PillowImage.of(PixelMode.RGB, S, S, rgb));
    }

    /** {@code n} bytes that start like a PNG. */
    static byte[] png(int n) {
        byte[] b = new byte[Math.max(n, 8)];
        byte[] magic = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
        System.arraycopy(magic, 0, b, 0, 8);
        for (int i = 8; i < b.length; i++) b[i] = (byte) i;
        return b;
    }

    static ArchiveSettings settings(Path dir, Keep keep) {
        return new ArchiveSettings(dir, keep, 1, 0, Duration.ZERO, 0, 64, 1L << 30);
    }

    static ImageArchive open(ArchiveSettings s, Clock clock) {
        return new ImageArchive(s, clock, () -> 0, () -> Long.MAX_VALUE, Files::write);
    }

    /** Waits (bounded) for what the writer thread does. */
    static void await(String what, BooleanSupplier done) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) fail("timed out waiting for: " + what);
            try {
                Thread.sleep(5); // the interval between checks
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted");
            }
        }
    }

    static void awaitWritten(ImageArchive a, long n) {
        await(n + " written, have " + a.stats(), () -> a.stats().written() >= n);
    }

    /** Bytes of the files under {@code dir}. */
    static long size(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (IOException e) {
                    return 0; // deleted meanwhile
                }
            }).sum();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A clock the test moves. */
    static final class SetClock extends Clock {
        volatile Instant now;

        SetClock(Instant now) { this.now = now; }

        @Override public ZoneId getZone() { return ZoneOffset.UTC; }

        @Override public Clock withZone(ZoneId zone) { return this; }

        @Override public Instant instant() { return now; }
    }
}
