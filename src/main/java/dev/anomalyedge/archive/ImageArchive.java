package dev.anomalyedge.archive;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.anomalyedge.image.Heatmap;
import dev.anomalyedge.inspection.InspectionResult;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;

/**
 * The image archive: keeps the input image, the heatmap overlay and the result of the results its {@link Keep} rule
 * selects, in day folders ({@link ArchiveLayout}), within its bounds (max bytes, max age, free space left on the disk),
 * deleting the oldest entries first.
 *
 * <p>{@link #accept} only decides and hands over: one writer thread renders the overlay and writes, so a slow, full or
 * failing disk never adds to an inspection's answer time. The hand-off queue is bounded (results and input bytes); a
 * result that does not fit is dropped and counted, a write that fails is counted, and neither is ever thrown to the
 * caller. The index of entries is read back from disk at start, so the archive survives restarts.
 */
public final class ImageArchive implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ImageArchive.class);
    /** How often an idle writer applies the age bound. */
    private static final Duration IDLE_CLEANUP = Duration.ofMinutes(1);
    private static final Job STOP = new Job(null, null, null, 0);

    /** How the entry's bytes reach the disk (tests hold or fail it). */
    public interface FileWriter {
        void write(Path file, byte[] bytes) throws IOException;
    }

    private final ArchiveSettings settings;
    private final ArchiveLayout layout;
    private final ArchiveIndex index = new ArchiveIndex();
    private final Clock clock;
    private final DoubleSupplier random;
    private final LongSupplier freeBytes;
    private final FileWriter writer;
    private final ObjectMapper json = new ObjectMapper();
    private final LinkedBlockingQueue<Job> queue = new LinkedBlockingQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicLong queuedBytes = new AtomicLong();
    private final AtomicLong written = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong cleaned = new AtomicLong();
    private volatile String lastError;
    private volatile boolean closed;
    private volatile boolean abandoned;
    private final Thread thread;

    private record Job(InspectionResult result, byte[] input, Heatmap.Range range, long size) {}

    /**
     * Opens the archive in {@code settings.dir()} (created when missing), reads its entries back and starts the writer.
     *
     * @param random    the OK sampling's random numbers in [0, 1)
     * @param freeBytes the free space on the archive's disk
     * @throws UncheckedIOException when the folder cannot be created or read
     */
    public ImageArchive(ArchiveSettings settings, Clock clock, DoubleSupplier random, LongSupplier freeBytes, FileWriter writer) {
        this.settings = settings;
        this.layout = new ArchiveLayout(settings.dir());
        this.clock = clock;
        this.random = random;
        this.freeBytes = freeBytes;
        this.writer = writer;
        try {
            Files.createDirectories(settings.dir());
            layout.scan().forEach(index::add);
        } catch (IOException e) {
            throw new UncheckedIOException("the image archive " + settings.dir() + " cannot be opened: " + e.getMessage(), e);
        }
        LOG.infof("image archive in %s: %d entries, %d bytes; keeping %s (OK sampled at %s)", settings.dir(), index.size(),
                index.bytes(), settings.keep(), settings.okSampleRate());
        this.thread = new Thread(this::run, "image-archive");
        thread.setDaemon(true);
        thread.start();
    }

    /** The production archive: system clock, random sampling, the disk's usable space, plain file writes. */
    public static ImageArchive open(ArchiveSettings settings) {
        Path dir = settings.dir();
        return new ImageArchive(settings, Clock.systemUTC(), () -> ThreadLocalRandom.current().nextDouble(),
                () -> usableSpace(dir), Files::write);
    }

    private static long usableSpace(Path dir) {
        try {
            return Files.getFileStore(dir).getUsableSpace();
        } catch (IOException e) {
            return Long.MAX_VALUE; // unknown: the other bounds and write errors still apply
        }
    }

    /** Whether the keep rule (and the OK sampling) selects this result. */
    boolean keeps(InspectionResult r) {
        if (!r.pass()) return settings.keep().keepsNotPassing();
        if (!settings.keep().keepsPassing()) return false;
        return settings.okSampleRate() >= 1 || random.getAsDouble() < settings.okSampleRate();
    }

    /**
     * Hands a result to the writer when the keep rule selects it; returns at once. Never throws.
     *
     * @param input        the input image as received, or null when no bytes were read
     * @param overlayRange the overlay's colour scale (the serving model's)
     * @return whether it was queued for writing (false: not selected, or dropped because the queue is full)
     */
    public boolean accept(InspectionResult r, byte[] input, Heatmap.Range overlayRange) {
        try {
            if (!keeps(r)) return false;
            long size = input == null ? 0 : input.length;
            if (closed) return drop(r, "the archive is closing");
            if (queued.incrementAndGet() > settings.queueCapacity()) {
                queued.decrementAndGet();
                return drop(r, "the writer's queue is full (" + settings.queueCapacity() + " results)");
            }
            long waiting = queuedBytes.addAndGet(size);
            if (waiting > settings.queueMaxBytes() && waiting != size) {
                queued.decrementAndGet();
                queuedBytes.addAndGet(-size);
                return drop(r, "the writer's queue holds " + (waiting - size) + " input bytes");
            }
            queue.add(new Job(r, input, overlayRange, size));
            return true;
        } catch (RuntimeException e) {
            failed.incrementAndGet();
            lastError = "result " + r.id() + " not archived: " + e;
            LOG.warn(lastError, e);
            return false;
        }
    }

    private boolean drop(InspectionResult r, String why) {
        long n = dropped.incrementAndGet();
        if (Long.bitCount(n) == 1) LOG.warnf("archive: result %s dropped, %s (%d dropped so far)", r.id(), why, n);
        return false;
    }

    public ArchivePage list(ArchiveQuery q) { return index.query(q); }

    public Optional<ArchiveEntry> entry(String id) { return index.get(id); }

    /** One file of an entry, when the entry exists and has that file (no input bytes, no overlay). */
    public Optional<Path> file(String id, ArchiveFile f) {
        return index.get(id).map(e -> layout.file(e, f)).filter(Files::isRegularFile);
    }

    /** The media type of an entry's input image file. */
    public static String contentType(ArchiveEntry e) {
        return e.inputType() == null ? null : ArchiveLayout.contentType(e.inputType());
    }

    public ArchiveStats stats() {
        return new ArchiveStats(index.size(), index.bytes(), written.get(), dropped.get(), failed.get(), cleaned.get(),
                queued.get(), lastError);
    }

    public Path dir() { return settings.dir(); }

    // the writer thread

    private void run() {
        try {
            applyBounds(0);
            while (true) {
                Job j = queue.poll(IDLE_CLEANUP.toMillis(), TimeUnit.MILLISECONDS);
                if (j == STOP) return;
                if (abandoned) {
                    if (j != null) dropped.incrementAndGet();
                    return;
                }
                if (j == null) {
                    applyBounds(0);
                    continue;
                }
                queued.decrementAndGet();
                queuedBytes.addAndGet(-j.size());
                write(j);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            lastError = "the archive's writer stopped: " + e;
            LOG.error(lastError, e);
        }
    }

    private void write(Job j) {
        InspectionResult r = j.result();
        List<Path> files = new ArrayList<>();
        try {
            if (!ArchiveLayout.safeId(r.id())) throw new IOException("result id '" + r.id() + "' is not a safe file name");
            byte[] overlay = r.failed() || r.resized() == null || r.anomalyMap() == null ? null
                    : Heatmap.overlayPng(r.resized(), r.anomalyMap(), j.range(), Heatmap.DEFAULT_OPACITY);
            byte[] result = json.writeValueAsBytes(r);
            String type = j.input() == null ? null : ArchiveLayout.inputType(j.input());
            long size = result.length + (overlay == null ? 0 : overlay.length) + (j.input() == null ? 0 : j.input().length);
            String full = applyBounds(size);
            if (full != null) {
                fail(r, full, null);
                return;
            }
            Instant t = timestamp(r);
            String day = ArchiveLayout.day(t);
            Files.createDirectories(layout.folder(day));
            if (type != null) writeFile(files, layout.input(day, r.id(), type), j.input());
            if (overlay != null) writeFile(files, layout.overlay(day, r.id()), overlay);
            Path target = layout.result(day, r.id());
            Path tmp = target.resolveSibling(target.getFileName() + ArchiveLayout.TMP);
            writeFile(files, tmp, result);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            files.remove(tmp);
            index.add(new ArchiveEntry(r.id(), t, r.verdict().name(), r.resultCode(), r.partId(), type, overlay != null, size, day));
            written.incrementAndGet();
        } catch (IOException | RuntimeException e) {
            fail(r, e.toString(), files);
        }
    }

    private void writeFile(List<Path> files, Path p, byte[] bytes) throws IOException {
        files.add(p);
        writer.write(p, bytes);
    }

    /** Deletes what was written of the entry, then counts the failure. */
    private void fail(InspectionResult r, String why, List<Path> partial) {
        if (partial != null) {
            for (Path p : partial) {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // the disk is failing; the next start deletes what is left of an unfinished entry
                }
            }
        }
        lastError = "result " + r.id() + " not archived: " + why;
        long n = failed.incrementAndGet();
        if (Long.bitCount(n) == 1 || n % 100 == 0) LOG.warnf("archive: %s (%d failed so far)", lastError, n);
    }

    private Instant timestamp(InspectionResult r) {
        try {
            return r.timestamp() == null ? clock.instant() : Instant.parse(r.timestamp());
        } catch (DateTimeParseException e) {
            return clock.instant();
        }
    }

    /**
     * Deletes the oldest entries until the bounds hold with {@code incoming} more bytes: age first, then max-bytes, then
     * the free space to leave. Returns why {@code incoming} bytes cannot be written, or null when they can.
     */
    private String applyBounds(long incoming) {
        if (!settings.maxAge().isZero()) {
            Instant limit = clock.instant().minus(settings.maxAge());
            for (ArchiveEntry e = index.oldest().orElse(null); e != null && e.timestamp().isBefore(limit); e = index.oldest().orElse(null)) {
                clean(e);
            }
        }
        if (incoming == 0) return null;
        if (settings.maxBytes() > 0) {
            if (incoming > settings.maxBytes()) return "the entry (" + incoming + " bytes) is larger than appliance.archive.max-bytes";
            while (index.bytes() + incoming > settings.maxBytes() && index.oldest().isPresent()) clean(index.oldest().get());
        }
        if (settings.minFreeBytes() > 0) {
            while (freeBytes.getAsLong() - incoming < settings.minFreeBytes()) {
                Optional<ArchiveEntry> oldest = index.oldest();
                if (oldest.isEmpty()) {
                    return "disk full: " + freeBytes.getAsLong() + " bytes free, " + incoming
                            + " to write and appliance.archive.min-free-bytes = " + settings.minFreeBytes();
                }
                clean(oldest.get());
            }
        }
        return null;
    }

    private void clean(ArchiveEntry e) {
        index.remove(e);
        cleaned.incrementAndGet();
        try {
            layout.delete(e);
        } catch (IOException ex) {
            lastError = "archive entry " + e.id() + " could not be deleted: " + ex;
            LOG.warn(lastError);
        }
    }

    /**
     * Stops taking results and lets the writer finish what is queued within {@code drain}; what is still queued then is
     * abandoned (counted as dropped).
     */
    public void close(Duration drain) {
        if (closed) return;
        closed = true;
        queue.add(STOP);
        try {
            thread.join(drain.toMillis());
            if (thread.isAlive()) {
                abandoned = true;
                thread.join(drain.toMillis()); // a write in progress may still finish
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        int left = 0;
        for (Job j; (j = queue.poll()) != null; ) if (j != STOP) left++;
        if (left > 0) {
            dropped.addAndGet(left);
            queued.addAndGet(-left);
            LOG.warnf("archive: %d results abandoned at shutdown (not written within %d ms)", left, drain.toMillis());
        }
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(10));
    }
}
