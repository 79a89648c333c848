package dev.anomalyedge.archive;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The archive on disk: one folder per UTC day, {@code <dir>/<yyyy-mm-dd>/}, and per entry {@code <id>.<png|jpg|bmp|bin>}
 * (the input as received), {@code <id>.overlay.png} and {@code <id>.json} (the result, written last: an entry without
 * it is an unfinished write). Reads the entries back at start.
 */
final class ArchiveLayout {
    private static final Logger LOG = Logger.getLogger(ArchiveLayout.class);
    static final DateTimeFormatter DAY = DateTimeFormatter.ISO_LOCAL_DATE.withZone(ZoneOffset.UTC);
    private static final Pattern DAY_FOLDER = Pattern.compile("\\d{4}-\\d{2}-\\d{2}");
    /** Ids the archive writes under: ours are UUIDs; nothing that could leave the folder. */
    private static final Pattern SAFE_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,127}");
    static final List<String> INPUT_TYPES = List.of("png", "jpg", "bmp", "bin");
    private static final String JSON = ".json";
    private static final String OVERLAY = ".overlay.png";
    static final String TMP = ".tmp";

    private final Path dir;
    private final ObjectMapper json = new ObjectMapper();

    ArchiveLayout(Path dir) {
        this.dir = dir;
    }

    Path dir() { return dir; }

    static boolean safeId(String id) { return id != null && SAFE_ID.matcher(id).matches(); }

    static String day(Instant t) { return DAY.format(t); }

    Path folder(String day) { return dir.resolve(day); }

    Path file(ArchiveEntry e, ArchiveFile f) {
        Path folder = folder(e.date());
        return switch (f) {
            case IMAGE -> e.inputType() == null ? null : folder.resolve(e.id() + "." + e.inputType());
            case OVERLAY -> e.overlay() ? folder.resolve(e.id() + OVERLAY) : null;
            case RESULT -> folder.resolve(e.id() + JSON);
        };
    }

    Path input(String day, String id, String type) { return folder(day).resolve(id + "." + type); }

    Path overlay(String day, String id) { return folder(day).resolve(id + OVERLAY); }

    Path result(String day, String id) { return folder(day).resolve(id + JSON); }

    /** The archived input's type from its first bytes: png, jpg, bmp, or bin for anything else. */
    static String inputType(byte[] b) {
        if (b.length >= 8 && (b[0] & 0xFF) == 0x89 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G') return "png";
        if (b.length >= 3 && (b[0] & 0xFF) == 0xFF && (b[1] & 0xFF) == 0xD8 && (b[2] & 0xFF) == 0xFF) return "jpg";
        if (b.length >= 2 && b[0] == 'B' && b[1] == 'M') return "bmp";
        return "bin";
    }

    static String contentType(String inputType) {
        return switch (inputType) {
            case "png" -> "image/png";
            case "jpg" -> "image/jpeg";
            case "bmp" -> "image/bmp";
            default -> "application/octet-stream";
        };
    }

    /** Deletes the entry's files, and its day folder once empty. */
    void delete(ArchiveEntry e) throws IOException {
        for (ArchiveFile f : ArchiveFile.values()) {
            Path p = file(e, f);
            if (p != null) Files.deleteIfExists(p);
        }
        deleteIfEmpty(folder(e.date()));
    }

    static void deleteIfEmpty(Path folder) {
        try (Stream<Path> s = Files.list(folder)) {
            if (s.findAny().isEmpty()) Files.deleteIfExists(folder);
        } catch (IOException ignored) {
            // not empty after all, or gone: nothing to do
        }
    }

    /**
     * The entries on disk, read from their result files. Unfinished writes (files without a result, temp files) and
     * entries whose result cannot be read are deleted, and logged.
     */
    List<ArchiveEntry> scan() throws IOException {
        List<ArchiveEntry> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) return out;
        List<Path> days;
        try (Stream<Path> s = Files.list(dir)) {
            days = s.filter(p -> Files.isDirectory(p) && DAY_FOLDER.matcher(p.getFileName().toString()).matches()).sorted().toList();
        }
        for (Path day : days) {
            scanDay(day, out);
            deleteIfEmpty(day);
        }
        return out;
    }

    private void scanDay(Path day, List<ArchiveEntry> out) throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(day)) {
            files = s.filter(Files::isRegularFile).toList();
        }
        Set<String> complete = new HashSet<>();
        for (Path f : files) {
            String name = f.getFileName().toString();
            if (!name.endsWith(JSON)) continue;
            String id = name.substring(0, name.length() - JSON.length());
            Optional<ArchiveEntry> e = read(day.getFileName().toString(), id);
            if (e.isPresent()) {
                out.add(e.get());
                complete.add(id);
            }
        }
        for (Path f : files) {
            String name = f.getFileName().toString();
            int dot = name.indexOf('.');
            String id = dot < 0 ? name : name.substring(0, dot);
            if (!complete.contains(id)) {
                LOG.warnf("archive: deleting %s (an unfinished or unreadable entry)", f);
                Files.deleteIfExists(f);
            }
        }
    }

    private Optional<ArchiveEntry> read(String day, String id) {
        Path result = result(day, id);
        try {
            JsonNode r = json.readTree(result.toFile());
            if (!safeId(id) || !id.equals(r.path("id").asText())) throw new IOException("its id is not " + id);
            long bytes = Files.size(result);
            String type = null;
            for (String t : INPUT_TYPES) {
                Path in = input(day, id, t);
                if (Files.isRegularFile(in)) {
                    type = t;
                    bytes += Files.size(in);
                    break;
                }
            }
            Path overlay = overlay(day, id);
            boolean hasOverlay = Files.isRegularFile(overlay);
            if (hasOverlay) bytes += Files.size(overlay);
            JsonNode part = r.get("part_id");
            return Optional.of(new ArchiveEntry(id, Instant.parse(r.path("timestamp").asText()), r.path("verdict").asText(),
                    r.path("result_code").asInt(), part == null || part.isNull() ? null : part.asText(), type, hasOverlay, bytes, day));
        } catch (IOException | RuntimeException e) {
            LOG.warnf("archive: %s cannot be read (%s)", result, e.getMessage());
            return Optional.empty();
        }
    }
}
