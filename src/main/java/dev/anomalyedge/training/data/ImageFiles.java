package dev.anomalyedge.training.data;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

/** File-level helpers: which files are images, sorted listings, and a header probe that decodes no pixels. */
final class ImageFiles {
    private ImageFiles() {}

    /** Image file extensions accepted everywhere (compared case-insensitively). */
    static final Set<String> EXTENSIONS = Set.of("png", "jpg", "jpeg", "bmp");

    static boolean hasImageExtension(Path p) {
        return EXTENSIONS.contains(extension(p));
    }

    /** Lower-case extension without the dot, "" when none. */
    static String extension(Path p) {
        String n = p.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot < 0 ? "" : n.substring(dot + 1).toLowerCase(Locale.ROOT);
    }

    /** File name without its extension. */
    static String stem(Path p) {
        String n = p.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot < 0 ? n : n.substring(0, dot);
    }

    static boolean hidden(Path p) {
        return p.getFileName().toString().startsWith(".");
    }

    /** Non-hidden sub-folders, sorted by name. */
    static List<Path> subfolders(Path dir) {
        return list(dir).stream().filter(Files::isDirectory).filter(p -> !hidden(p)).toList();
    }

    /**
     * The class folders of a data set: {@code root} itself when it is one, else its sub-folders that are (the others
     * are reported as ignored: "ignored folder X (notClassWhy)"). None at all is an error: {@code noneFound}.
     */
    static List<Path> classFolders(Path root, java.util.function.Predicate<Path> isClass, String notClassWhy, String noneFound,
                                   Problems problems) {
        List<Path> classDirs = new ArrayList<>();
        if (isClass.test(root)) {
            classDirs.add(root);
        } else {
            for (Path d : subfolders(root)) {
                if (isClass.test(d)) {
                    classDirs.add(d);
                } else {
                    problems.warn("ignored folder " + d + " (" + notClassWhy + ")");
                }
            }
        }
        if (classDirs.isEmpty()) problems.error(noneFound);
        return classDirs;
    }

    /** Non-hidden regular files, sorted by name. */
    static List<Path> files(Path dir) {
        return list(dir).stream().filter(Files::isRegularFile).filter(p -> !hidden(p)).toList();
    }

    /** Sorted listing; an empty list for a folder that does not exist. */
    static List<Path> list(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }

    /**
     * Image files of a folder, sorted; other non-hidden files are reported as ignored (one warning per folder).
     */
    static List<Path> images(Path dir, Problems problems) {
        List<Path> images = new ArrayList<>();
        List<String> ignored = new ArrayList<>();
        for (Path f : files(dir)) {
            if (hasImageExtension(f)) {
                images.add(f);
            } else {
                ignored.add(f.getFileName().toString());
            }
        }
        if (!ignored.isEmpty()) {
            problems.warn("ignored " + ignored.size() + " non-image file(s) in " + dir + " (accepted: "
                    + String.join(", ", EXTENSIONS.stream().sorted().toList()) + "): "
                    + String.join(", ", ignored.subList(0, Math.min(5, ignored.size())))
                    + (ignored.size() > 5 ? ", ..." : ""));
        }
        return images;
    }

    /** Width and height from an image header. */
    record Size(int width, int height) {
        @Override
        public String toString() {
            return width + "x" + height;
        }
    }

    /**
     * Reads only the header of an image to check it is a PNG/JPEG/BMP that ImageIO can open.
     *
     * @throws IOException with a readable reason when it is not
     */
    static Size probe(Path file) throws IOException {
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            if (in == null) {
                throw new IOException("cannot open");
            }
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new IOException("not a PNG, JPEG or BMP image (unknown header)");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                return new Size(reader.getWidth(0), reader.getHeight(0));
            } finally {
                reader.dispose();
            }
        } catch (IOException e) {
            throw e;
        } catch (RuntimeException e) { // some readers throw unchecked exceptions on broken headers
            throw new IOException("broken header: " + e, e);
        }
    }
}
