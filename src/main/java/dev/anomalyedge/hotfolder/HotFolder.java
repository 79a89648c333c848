package dev.anomalyedge.hotfolder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.anomalyedge.inspection.Calibration;
import dev.anomalyedge.inspection.InspectionException;
import dev.anomalyedge.inspection.InspectionResult;
import dev.anomalyedge.service.Inspections;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The hot folder: every image file that appears in the folder {@code D} is inspected once (part id = the file's stem,
 * source {@code hotfolder:<file name>}) and then lies in {@code D/processed/<OK|NG|UNCALIBRATED|ERROR>/} with
 * {@code <stem>.json}, the result document REST answers, beside it. The adapter translates a file into one call of
 * {@link Inspections#trigger(Inspections.Image, String)} and moves the file; it holds no inspection logic.
 *
 * <p><b>Which files.</b> Regular files directly in {@code D} (sub-folders are left alone: the adapter watches each
 * recipe's sub-folder {@code D/<recipe>/} with a folder of its own, whose files are inspected with that recipe) whose extension is an image's ({@code png jpg jpeg bmp}); dot-files and {@code *.tmp}/{@code *.part}
 * are ignored silently, other extensions are logged once. A file is taken once it is complete: its size and
 * modification time stayed the same for {@code stable-for} (a file renamed into the folder is complete at once and
 * passes this at its first look after {@code stable-for}). A file over the upload limit becomes an ERROR result
 * ({@code too_large}) without being read whole.
 *
 * <p><b>Exactly once across restarts.</b> A file passes through three places, each step one atomic rename within
 * {@code D}'s file system:
 * <ol>
 *   <li>{@code D/<name>} — waiting; not claimed.</li>
 *   <li>{@code D/processed/.inflight/<name>} — claimed (renamed here before it is read), being inspected.</li>
 *   <li>The result is known: {@code <s>.json} is written under a temporary dot-name, flushed and renamed into
 *       {@code D/processed/<verdict>/}; then the image is renamed to {@code <s>.<ext>} beside it. {@code <s>} is the
 *       stem, or {@code <stem>~2}, {@code ~3}, … when that name is taken: nothing in processed/ is ever overwritten.</li>
 * </ol>
 * A file is therefore always in exactly one of these places, and nothing is deleted. On start (and before the first
 * scan) JSON left under its temporary dot-name is deleted (never a filed result), and every file still in
 * {@code .inflight/} was claimed by a run that did not finish it:
 * <ul>
 *   <li>if its result JSON already lies in a verdict folder without its image (the {@code <stem>[~n].json} of the same
 *       source with no image beside it), the run stopped between the two renames of step 3: the image is just moved
 *       beside it — no second inspection, no second result;</li>
 *   <li>otherwise it is inspected again. Its result was published at most once before, and only if the process died in
 *       the few milliseconds between the publication (inside the inspection call) and the JSON's rename — a crash,
 *       never a regular stop: then the line sees the result of that part and source twice (same part id and source),
 *       and the file is still filed once. A file is never lost and never filed twice.</li>
 * </ul>
 * A regular stop ({@link #close()}) lets the file in hand finish (the appliance is still serving then); a file whose
 * inspection outlasts the stop's wait is abandoned in {@code .inflight/} (not filed with a shutdown error) and
 * finished at the next start as above. A file that cannot be filed (disk full, permissions) stays in {@code .inflight/}
 * and is logged; the next start takes it up.
 *
 * <p><b>Threads.</b> One worker thread scans and inspects one file after the other. It wakes on the folder's change
 * events ({@link WatchService}) and, as a safety net for file systems that do not deliver them, every
 * {@code poll-interval}; while a file waits to become stable it looks again after {@code stable-for}. Files are only
 * taken while the appliance serves a model ({@code serving}): files present at start-up wait for the first model
 * instead of becoming ERROR results. Tests drive {@link #scanOnce()} directly with their own clock.
 */
public final class HotFolder implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(HotFolder.class);

    /** The extensions taken (lower case): the image types the appliance decodes. */
    static final Set<String> IMAGE_EXTENSIONS = Set.of("png", "jpg", "jpeg", "bmp");
    /** Where finished files go, below the watched folder. */
    static final String PROCESSED = "processed";
    /** Where a claimed file lies while it is inspected, below {@link #PROCESSED}. */
    static final String INFLIGHT = ".inflight";
    /** How long {@link #close()} waits for the file in hand before abandoning it to the next start. */
    private static final Duration STOP_WAIT = Duration.ofSeconds(60);

    private final Path dir;
    private final Path processed;
    private final Path inflight;
    private final Duration pollInterval;
    private final Duration stableFor;
    private final long maxBytes;
    private final Inspections inspections;
    private final ObjectMapper json;
    private final BooleanSupplier serving;
    private final LongSupplier nanoClock;

    /** Candidates seen but not yet stable: path → size, modification time and since when (clock nanos). */
    private final Map<Path, Seen> seen = new HashMap<>();
    /** Names logged once as not an image. */
    private final Set<String> ignoredLogged = new HashSet<>();
    private final Object wake = new Object();
    /** Guards start and stop (not {@code this}, which a scan holds while it inspects). */
    private final Object lifecycle = new Object();
    private boolean recovered;
    private volatile boolean stopping;
    private volatile boolean abandoned;
    private volatile WatchService watch;
    /** The recipe of this folder's files (its name, for a recipe's sub-folder), or null. */
    private final String recipe;
    private volatile Thread worker;
    /** Told of each sub-folder a scan sees (not hidden, not {@code processed}); null: sub-folders are ignored. */
    private volatile Consumer<Path> subfolders;

    private record Seen(long size, long modified, long since) {}

    /**
     * @param dir          the watched folder (created when missing)
     * @param pollInterval the safety-net scan interval
     * @param stableFor    how long size and modification time must stay unchanged
     * @param maxBytes     a larger file is an ERROR result ({@code too_large}) without being read
     * @param inspections  the application service that inspects and publishes
     * @param json         writes the result document as REST does
     * @param serving      whether the appliance serves a model now (files wait until it does)
     * @param nanoClock    the clock of {@code stable-for} ({@link System#nanoTime()}; tests pass their own)
     */
    public HotFolder(Path dir, Duration pollInterval, Duration stableFor, long maxBytes, Inspections inspections,
                     ObjectMapper json, BooleanSupplier serving, LongSupplier nanoClock) {
        this(dir, pollInterval, stableFor, maxBytes, inspections, json, serving, nanoClock, null);
    }

    /** As above, inspecting every file with recipe {@code recipe} (null: the appliance's default, if any). */
    public HotFolder(Path dir, Duration pollInterval, Duration stableFor, long maxBytes, Inspections inspections,
                     ObjectMapper json, BooleanSupplier serving, LongSupplier nanoClock, String recipe) {
        this.recipe = recipe;
        this.dir = dir;
        this.processed = dir.resolve(PROCESSED);
        this.inflight = processed.resolve(INFLIGHT);
        this.pollInterval = pollInterval;
        this.stableFor = stableFor;
        this.maxBytes = maxBytes;
        this.inspections = inspections;
        this.json = json;
        this.serving = serving;
        this.nanoClock = nanoClock;
    }

    /**
     * Tells {@code listener} of every sub-folder the scans see (each scan, so it must be idempotent): how the adapter
     * starts a recipe's folder created while the appliance runs. Set before {@link #start()}.
     */
    public void onSubfolder(Consumer<Path> listener) {
        this.subfolders = listener;
    }

    /** Starts the worker thread (watch events plus the periodic scan). */
    public void start() throws IOException {
        synchronized (lifecycle) {
            Files.createDirectories(inflight);
            try {
                watch = dir.getFileSystem().newWatchService();
                dir.register(watch, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY);
            } catch (IOException | UnsupportedOperationException e) {
                LOG.warnf("hot folder %s: no change events (%s); scanning every %s", dir, e.getMessage(), pollInterval);
                watch = null;
            }
            stopping = false;
            worker = new Thread(this::run, "hotfolder");
            worker.setDaemon(true);
            worker.start();
            LOG.infof("hot folder %s: watching (scan every %s, complete after %s unchanged)", dir, pollInterval, stableFor);
        }
    }

    /**
     * Stops the worker: the file in hand is finished; one still being inspected after {@link #STOP_WAIT} is left
     * in-flight for the next start (never filed with a shutdown error, never lost).
     */
    @Override
    public void close() {
        Thread t;
        synchronized (lifecycle) {
            t = worker;
            worker = null;
            stopping = true;
        }
        if (t == null) return;
        try {
            if (watch != null) watch.close();
        } catch (IOException e) {
            LOG.debug("closing the watch service", e);
        }
        synchronized (wake) {
            wake.notifyAll();
        }
        try {
            t.join(STOP_WAIT.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (t.isAlive()) {
            abandoned = true;
            LOG.warnf("hot folder %s: the file in hand was not finished within %s; it stays in %s for the next start",
                    dir, STOP_WAIT, inflight);
        }
        LOG.infof("hot folder %s: stopped", dir);
    }

    private void run() {
        while (!stopping) {
            try {
                scanOnce();
            } catch (Exception e) {
                LOG.errorf(e, "hot folder %s: scan failed; trying again", dir);
            }
            awaitChange(seen.isEmpty() || stableFor.compareTo(pollInterval) > 0 ? pollInterval : stableFor);
        }
    }

    /** Waits for a change event in the folder, a stop, or the timeout. */
    private void awaitChange(Duration timeout) {
        long ms = Math.max(1, timeout.toMillis());
        try {
            if (watch != null) {
                WatchKey key = watch.poll(ms, TimeUnit.MILLISECONDS);
                if (key != null) {
                    key.pollEvents();
                    key.reset();
                }
            } else {
                synchronized (wake) {
                    if (!stopping) wake.wait(ms);
                }
            }
        } catch (ClosedWatchServiceException e) {
            // stopping
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopping = true;
        }
    }

    /**
     * One pass: (first) finish what a previous run left in-flight, then take every complete image of the folder, one
     * after the other. Nothing happens while the appliance does not serve. Returns how many files were filed.
     */
    public synchronized int scanOnce() throws IOException {
        if (!serving.getAsBoolean()) return 0;
        if (!recovered) {
            Files.createDirectories(inflight);
            recoverInflight();
            recovered = true;
        }
        int filed = 0;
        for (Path file : completeFiles()) {
            if (stopping) break;
            if (take(file)) filed++;
        }
        return filed;
    }

    /** The files of the folder that are images and complete, by name; remembers the others' sizes for later. */
    private List<Path> completeFiles() throws IOException {
        long now = nanoClock.getAsLong();
        List<Path> complete = new ArrayList<>();
        Set<Path> present = new HashSet<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path p : entries) {
                if (!candidate(p)) continue;
                BasicFileAttributes a;
                try {
                    a = Files.readAttributes(p, BasicFileAttributes.class);
                } catch (IOException e) {
                    continue; // gone meanwhile
                }
                if (!a.isRegularFile()) continue;
                present.add(p);
                Seen s = seen.get(p);
                long modified = a.lastModifiedTime().toMillis();
                if (s == null || s.size() != a.size() || s.modified() != modified) {
                    s = new Seen(a.size(), modified, now);
                    seen.put(p, s);
                }
                if (now - s.since() >= stableFor.toNanos()) complete.add(p);
            }
        }
        seen.keySet().retainAll(present);
        complete.sort(null);
        return complete;
    }

    /**
     * Whether a folder entry is an image file to take: not a dot-file, temp file, sub-folder or other extension. A
     * sub-folder (not {@code processed}) is told to the listener, if any.
     */
    private boolean candidate(Path p) {
        String name = p.getFileName().toString();
        if (name.startsWith(".")) return false;
        if (Files.isDirectory(p)) {
            if (!name.equals(PROCESSED)) tellSubfolder(p);
            return false;
        }
        String lower = name.toLowerCase(Locale.ROOT);
        if (lower.endsWith(".tmp") || lower.endsWith(".part")) return false;
        if (IMAGE_EXTENSIONS.contains(extension(lower))) return true;
        if (ignoredLogged.add(name)) LOG.infof("hot folder %s: %s is not an image (%s); left alone", dir, name, IMAGE_EXTENSIONS);
        return false;
    }

    private void tellSubfolder(Path p) {
        Consumer<Path> listener = subfolders;
        if (listener == null) return;
        try {
            listener.accept(p);
        } catch (RuntimeException e) {
            LOG.errorf(e, "hot folder %s: sub-folder %s could not be started", dir, p.getFileName());
        }
    }

    /** Claims one complete file (atomic rename into .inflight/), inspects and files it. */
    private boolean take(Path file) throws IOException {
        String name = file.getFileName().toString();
        Path claimed = inflight.resolve(name);
        if (Files.exists(claimed)) {
            LOG.warnf("hot folder %s: %s is already in flight; it waits until that one is finished", dir, name);
            return false;
        }
        try {
            Files.move(file, claimed, StandardCopyOption.ATOMIC_MOVE);
        } catch (java.nio.file.NoSuchFileException e) {
            return false; // taken away meanwhile
        }
        seen.remove(file);
        return inspectAndFile(claimed);
    }

    /** Finishes every file a previous run left in-flight: moved beside its result when there is one, else inspected. */
    private void recoverInflight() throws IOException {
        List<Path> left = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(inflight)) {
            for (Path p : entries) if (Files.isRegularFile(p) && !p.getFileName().toString().startsWith(".")) left.add(p);
        }
        left.sort(null);
        removeUnfinishedJson();
        for (Path claimed : left) {
            if (stopping) return;
            Path image = imageSlotOfWrittenResult(claimed);
            if (image != null) {
                Files.move(claimed, image, StandardCopyOption.ATOMIC_MOVE);
                LOG.infof("hot folder %s: %s was inspected before the last stop; filed as %s", dir, claimed.getFileName(), image);
            } else {
                LOG.infof("hot folder %s: %s was claimed but not finished before the last stop; inspecting it", dir, claimed.getFileName());
                inspectAndFile(claimed);
            }
        }
    }

    /** Deletes result JSON a previous run did not finish writing (the temporary dot-names of step 3). */
    private void removeUnfinishedJson() throws IOException {
        for (Calibration.Verdict v : Calibration.Verdict.values()) {
            Path folder = processed.resolve(v.name());
            if (!Files.isDirectory(folder)) continue;
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(folder, ".*.json.tmp")) {
                for (Path p : entries) Files.deleteIfExists(p);
            }
        }
    }

    /**
     * Where the in-flight image goes when its result JSON was already filed: the image name beside a
     * {@code <stem>[~n].json} of the same source that has no image; null when there is none.
     */
    private Path imageSlotOfWrittenResult(Path claimed) {
        String name = claimed.getFileName().toString();
        for (Calibration.Verdict v : Calibration.Verdict.values()) {
            Path folder = processed.resolve(v.name());
            for (int n = 1; ; n++) {
                String s = slotName(stem(name), n);
                Path doc = folder.resolve(s + ".json");
                Path image = folder.resolve(s + "." + extension(name));
                if (!Files.exists(doc) && !Files.exists(image)) break;
                if (Files.exists(doc) && !Files.exists(image) && (source(name)).equals(sourceOf(doc))) return image;
            }
        }
        return null;
    }

    private String sourceOf(Path doc) {
        try {
            JsonNode s = json.readTree(doc.toFile()).get("source");
            return s == null ? null : s.asText();
        } catch (IOException e) {
            return null;
        }
    }

    /** Inspects a claimed file (one call) and files it with its result; false when it could not be filed. */
    private boolean inspectAndFile(Path claimed) {
        String name = claimed.getFileName().toString();
        InspectionResult result = inspections.trigger(new FileImage(claimed, source(name), maxBytes), stem(name), recipe);
        if (abandoned) return false; // the stop gave up waiting: the next start inspects it again
        try {
            Path filed = file(claimed, result);
            LOG.infof("hot folder %s: %s → %s (result_code %d)", dir, name, dir.relativize(filed), result.resultCode());
            return true;
        } catch (IOException e) {
            LOG.errorf(e, "hot folder %s: %s was inspected (%s) but could not be filed; it stays in %s for the next start",
                    dir, name, result.verdict(), inflight);
            return false;
        }
    }

    /** Step 3: the result JSON (flushed, atomically renamed), then the image beside it. Returns the image's place. */
    private Path file(Path claimed, InspectionResult result) throws IOException {
        String name = claimed.getFileName().toString();
        Path folder = processed.resolve(result.verdict().name());
        Files.createDirectories(folder);
        String s;
        for (int n = 1; ; n++) {
            s = slotName(stem(name), n);
            if (!Files.exists(folder.resolve(s + ".json")) && !Files.exists(folder.resolve(s + "." + extension(name)))) break;
        }
        Path doc = folder.resolve(s + ".json");
        writeDurably(doc, json.writeValueAsBytes(result));
        Path image = folder.resolve(s + "." + extension(name));
        Files.move(claimed, image, StandardCopyOption.ATOMIC_MOVE);
        syncDirectory(folder);
        return image;
    }

    /** Writes {@code target} (which does not exist) under a temporary dot-name, flushes and renames it into place. */
    private static void writeDurably(Path target, byte[] bytes) throws IOException {
        Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) ch.write(b);
            ch.force(true);
        }
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        syncDirectory(target.getParent());
    }

    /** Flushes a folder's entries (renames) to disk where the platform allows it. */
    private static void syncDirectory(Path folder) {
        try (FileChannel ch = FileChannel.open(folder, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // not supported here (e.g. Windows): the renames are still atomic
        }
    }

    /** The n-th name for a stem: the stem, then {@code <stem>~2}, {@code ~3}, … */
    static String slotName(String stem, int n) {
        return n == 1 ? stem : stem + "~" + n;
    }

    static String source(String name) {
        return "hotfolder:" + name;
    }

    static String stem(String name) {
        int dot = name.lastIndexOf('.');
        return dot <= 0 ? name : name.substring(0, dot);
    }

    static String extension(String name) {
        int dot = name.lastIndexOf('.');
        return dot <= 0 ? "" : name.substring(dot + 1);
    }

    /** A claimed file as the inspection reads it: refused as too large (no more than the limit read) over {@code maxBytes}. */
    private record FileImage(Path path, String source, long maxBytes) implements Inspections.Image {
        @Override
        public byte[] read() throws IOException {
            long size = Files.size(path);
            if (size > maxBytes) throw tooLarge(size);
            try (InputStream in = Files.newInputStream(path)) { // bounded: the file may still grow
                byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
                if (bytes.length > maxBytes) throw tooLarge(Files.size(path));
                return bytes;
            }
        }

        private InspectionException tooLarge(long size) {
            return new InspectionException(InspectionException.Kind.TOO_LARGE, path.getFileName() + ": " + size
                    + " bytes; the limit is " + maxBytes + " (appliance.limits.max-upload-bytes)");
        }
    }
}
