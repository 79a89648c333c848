package dev.anomalyedge.training.data;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * VisA: {@code root/split_csv/1cls.csv}, as published in amazon-science/spot-diff:
 * <pre>
 *   object,split,label,image,mask
 *   candle,train,normal,candle/Data/Images/Normal/0836.JPG,
 *   candle,test,anomaly,candle/Data/Images/Anomaly/000.JPG,candle/Data/Masks/Anomaly/000.png
 * </pre>
 * Columns are found by header name (any order, case-insensitive, extra columns ignored, UTF-8 BOM allowed); paths are
 * relative to the root. split is train/test, label normal/anomaly; a normal row's mask cell is ignored, an anomaly row
 * with an empty mask cell is mask-less. VisA has no defect types: anomalous samples get "anomaly".
 * VisA masks hold small non-zero values (not 255): they are binarised with {@code > 0} like every mask.
 */
final class VisaCsv {
    private VisaCsv() {}

    static final Path CSV = Path.of("split_csv", "1cls.csv");
    static final String MASK_RULE = "a path in the mask column of " + CSV;
    private static final List<String> COLUMNS = List.of("object", "split", "label", "image", "mask");

    static boolean looksLike(Path root) {
        return Files.isRegularFile(root.resolve(CSV));
    }

    static List<Sample> read(Path root, Set<Split> splits, Problems problems) {
        Path csv = root.resolve(CSV);
        List<String> lines;
        try {
            lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
        } catch (IOException e) {
            problems.error("cannot read " + csv + ": " + e.getMessage());
            return List.of();
        }
        if (lines.isEmpty()) {
            problems.error(csv + " is empty (expected header " + String.join(",", COLUMNS) + ")");
            return List.of();
        }
        List<String> header = parseLine(stripBom(lines.get(0)));
        int[] col = new int[COLUMNS.size()];
        for (int c = 0; c < COLUMNS.size(); c++) {
            col[c] = indexOf(header, COLUMNS.get(c));
            if (col[c] < 0) {
                problems.error(csv + " line 1: header has no column '" + COLUMNS.get(c) + "' (expected "
                        + String.join(",", COLUMNS) + ", found " + String.join(",", header) + ")");
            }
        }
        if (!problems.errors.isEmpty()) {
            return List.of();
        }
        int needed = 0;
        for (int c : col) {
            needed = Math.max(needed, c + 1);
        }
        List<Sample> samples = new ArrayList<>();
        for (int i = 1; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) {
                continue;
            }
            String where = csv + " line " + (i + 1);
            List<String> cells = parseLine(line);
            if (cells.size() < needed) {
                problems.error(where + ": expected " + needed + " columns, found " + cells.size() + ": '" + line + "'");
                continue;
            }
            String object = cells.get(col[0]).trim();
            String splitText = cells.get(col[1]).trim().toLowerCase(Locale.ROOT);
            String label = cells.get(col[2]).trim().toLowerCase(Locale.ROOT);
            String image = cells.get(col[3]).trim();
            String mask = cells.get(col[4]).trim();
            Split split = switch (splitText) {
                case "train" -> Split.TRAIN;
                case "test" -> Split.TEST;
                default -> null;
            };
            boolean ok = true;
            if (split == null) {
                problems.error(where + ": split '" + cells.get(col[1]) + "' is neither train nor test");
                ok = false;
            }
            if (!label.equals("normal") && !label.equals("anomaly")) {
                problems.error(where + ": label '" + cells.get(col[2]) + "' is neither normal nor anomaly");
                ok = false;
            }
            if (object.isEmpty() || image.isEmpty()) {
                problems.error(where + ": empty " + (object.isEmpty() ? "object" : "image") + " cell");
                ok = false;
            }
            if (!ok || !splits.contains(split)) {
                continue;
            }
            Path img = root.resolve(image).normalize();
            if (label.equals("normal")) {
                samples.add(new Sample(img, object, Sample.GOOD, null, "good", split));
            } else {
                Path m = mask.isEmpty() ? null : root.resolve(mask).normalize();
                samples.add(new Sample(img, object, Sample.ANOMALOUS, m, "anomaly", split));
            }
        }
        return samples;
    }

    private static String stripBom(String s) {
        return s.startsWith("\uFEFF") ? s.substring(1) : s;
    }

    private static int indexOf(List<String> header, String name) {
        for (int i = 0; i < header.size(); i++) {
            if (header.get(i).trim().equalsIgnoreCase(name)) {
                return i;
            }
        }
        return -1;
    }

    /** One CSV record (RFC 4180 quoting: "a,b" and "" inside quotes). */
    static List<String> parseLine(String line) {
        List<String> cells = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    cur.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    cur.append(c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                cells.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        cells.add(cur.toString());
        return cells;
    }
}
