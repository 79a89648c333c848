package dev.anomalyedge.service;

import dev.anomalyedge.archive.ArchiveEntry;
import dev.anomalyedge.archive.ArchiveFile;
import dev.anomalyedge.archive.ArchivePage;
import dev.anomalyedge.archive.ArchiveQuery;
import dev.anomalyedge.archive.ImageArchive;
import dev.anomalyedge.inspection.Calibration;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/** The image archive, one call per request: a page of the listing, and an entry's files (input image, overlay, result). */
@ApplicationScoped
public class Archive {
    @Inject
    Appliance app;

    /** A file to answer with. */
    public record File(byte[] bytes, String contentType, String name) {}

    /**
     * A page of archived entries, newest first.
     *
     * @param verdicts verdicts to list, each value possibly comma-separated (OK, NG, UNCALIBRATED, ERROR; any case); empty = all
     * @param from     ISO-8601 instant, entries at or after it; null = no bound
     * @param to       ISO-8601 instant, entries before it; null = no bound
     * @param limit    entries per page (1..1000); null = 50
     * @param cursor   next_cursor of the page before; null = the newest entries
     * @throws IllegalArgumentException for a bad filter (400)
     */
    public ArchivePage list(List<String> verdicts, String from, String to, String partId, Integer limit, String cursor) {
        ImageArchive a = archive();
        return a.list(new ArchiveQuery(verdicts(verdicts), instant("from", from), instant("to", to),
                partId == null || partId.isEmpty() ? null : partId, limit == null ? ArchiveQuery.DEFAULT_LIMIT : limit,
                cursor == null || cursor.isEmpty() ? null : cursor));
    }

    /** One archived entry. */
    public ArchiveEntry entry(String id) {
        return archive().entry(id).orElseThrow(() -> new NotFound("no archived inspection with id '" + id + "'"));
    }

    /** The input image as received, with its media type. */
    public File image(String id) {
        ArchiveEntry e = entry(id);
        return file(e, ArchiveFile.IMAGE, ImageArchive.contentType(e), id + "." + e.inputType(), "no input image was received");
    }

    /** The heatmap overlay PNG. */
    public File overlay(String id) {
        return file(entry(id), ArchiveFile.OVERLAY, "image/png", id + ".overlay.png", "ERROR results have no overlay");
    }

    /** The result document. */
    public File result(String id) {
        return file(entry(id), ArchiveFile.RESULT, "application/json", id + ".json", "its result file is gone");
    }

    private File file(ArchiveEntry e, ArchiveFile kind, String contentType, String name, String whyNone) {
        NotFound none = new NotFound("archived inspection '" + e.id() + "' has no " + kind.name().toLowerCase(Locale.ROOT)
                + " file: " + whyNone);
        Path p = archive().file(e.id(), kind).orElseThrow(() -> none);
        try {
            return new File(Files.readAllBytes(p), contentType, name);
        } catch (NoSuchFileException gone) {
            throw new NotFound("archived inspection '" + e.id() + "' was just deleted by the archive's bounds");
        } catch (IOException io) {
            throw new UncheckedIOException("archived file " + p.getFileName() + " cannot be read: " + io.getMessage(), io);
        }
    }

    private ImageArchive archive() {
        ImageArchive a = app.archive();
        if (a != null) return a;
        String why = app.archiveError();
        throw new NotFound(why != null ? why : "the image archive is off (appliance.archive.enabled=false)");
    }

    private static Set<String> verdicts(List<String> values) {
        Set<String> out = new TreeSet<>();
        if (values == null) return out;
        for (String v : values) {
            for (String one : v.split(",")) {
                String name = one.trim().toUpperCase(Locale.ROOT);
                if (name.isEmpty()) continue;
                try {
                    Calibration.Verdict.valueOf(name);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("verdict must be one of " + Arrays.toString(Calibration.Verdict.values()) + ", got '" + one.trim() + "'");
                }
                out.add(name);
            }
        }
        return out;
    }

    private static Instant instant(String name, String value) {
        if (value == null || value.isEmpty()) return null;
        try {
            return Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(name + " must be an ISO-8601 instant such as 2026-12-01T00:00:00Z, got '" + value + "'");
        }
    }
}
