package dev.anomalyedge.training.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;

/**
 * Reads a labelled data set (files and labels, no pixels) in one of the {@link Format}s, checks it and returns a
 * {@link Dataset}. Every problem found is collected first and then thrown as one {@link DatasetException}.
 *
 * <p>Checks: every image and mask file exists and is readable, and (with {@link LoadOptions#verifyImages()}) its
 * header is a PNG/JPEG/BMP ImageIO can open; a mask whose size differs from its image's is a warning (the reference
 * resizes both to S×S independently). An anomalous image without a mask is accepted with a warning: it trains with
 * an all-zero mask, as in the reference, and pixel metrics skip it; {@link LoadOptions#requireMasks()} makes it an
 * error. A data set with no image is rejected; one with no anomalous image is rejected unless
 * {@link LoadOptions#allowPseudoAnomalies()} is set (the trainer then synthesises them, {@link PseudoAnomalies}).
 *
 * <p>{@link Format#AUTO} tries, in this order: {@code meta.json} (META), {@code split_csv/1cls.csv} (VISA), a
 * {@code train/} or {@code test/} folder in the root or in a sub-folder (MVTEC), a {@code good/} folder in the root
 * or in a sub-folder (FOLDER). META comes first because a VisA or MVTec root prepared for AnomalyCLIP holds a
 * meta.json beside its own files.
 */
public final class DatasetLoader {
    private static final Logger LOG = Logger.getLogger(DatasetLoader.class.getName());

    private DatasetLoader() {}

    /** Loads with {@link LoadOptions#defaults()}: all splits, anomalies required, headers verified. */
    public static Dataset load(Path root, Format format) {
        return load(root, format, LoadOptions.defaults());
    }

    public static Dataset load(Path root, Format format, LoadOptions options) {
        Path dir = root.toAbsolutePath().normalize();
        if (!Files.isDirectory(dir)) {
            throw new DatasetException("data set folder " + dir + " does not exist or is not a folder");
        }
        Format actual = format == Format.AUTO ? detect(dir) : format;
        Problems problems = new Problems();
        List<Sample> samples = switch (actual) {
            case MVTEC -> MvtecLayout.read(dir, options.splits(), problems);
            case VISA -> VisaCsv.read(dir, options.splits(), problems);
            case META -> MetaJson.read(dir, options.splits(), problems);
            case FOLDER -> FolderLayout.read(dir, options.splits(), problems);
            case AUTO -> throw new AssertionError();
        };
        String context = "cannot use " + dir + " as a " + actual + " data set";
        problems.throwIfAny(context);
        checkFiles(samples, actual, options, problems);
        checkLabels(dir, samples, options, problems);
        problems.throwIfAny(context);
        for (String warning : problems.warnings) {
            LOG.warning(warning);
        }
        return new Dataset(dir, actual, samples, problems.warnings);
    }

    /** The format of a data-set folder (the AUTO rule above). */
    public static Format detect(Path root) {
        Path dir = root.toAbsolutePath().normalize();
        if (!Files.isDirectory(dir)) {
            throw new DatasetException("data set folder " + dir + " does not exist or is not a folder");
        }
        if (MetaJson.looksLike(dir)) {
            return Format.META;
        }
        if (VisaCsv.looksLike(dir)) {
            return Format.VISA;
        }
        if (MvtecLayout.looksLike(dir)) {
            return Format.MVTEC;
        }
        if (FolderLayout.looksLike(dir)) {
            return Format.FOLDER;
        }
        throw new DatasetException("cannot tell the format of " + dir + ": found none of " + MetaJson.FILE
                + " (META), " + VisaCsv.CSV + " (VISA), <class>/train or <class>/test (MVTEC), good/ or <class>/good"
                + " (FOLDER)");
    }

    private static void checkFiles(List<Sample> samples, Format format, LoadOptions options, Problems problems) {
        Map<Path, List<Path>> maskless = new LinkedHashMap<>();
        for (Sample s : samples) {
            ImageFiles.Size imageSize = check(s.image(), "image", options, problems);
            if (s.mask() != null) {
                ImageFiles.Size maskSize = check(s.mask(), "mask", options, problems);
                if (imageSize != null && maskSize != null && !imageSize.equals(maskSize)) {
                    problems.warn("mask " + s.mask() + " is " + maskSize + " but its image " + s.image() + " is "
                            + imageSize);
                }
            } else if (s.anomalous()) {
                if (options.requireMasks()) {
                    problems.error("no mask for anomalous image " + s.image() + " (expected " + maskRule(format) + ")");
                } else {
                    maskless.computeIfAbsent(s.image().getParent(), k -> new ArrayList<>()).add(s.image());
                }
            }
        }
        maskless.forEach((folder, images) -> problems.warn(images.size() + " anomalous image(s) in " + folder
                + " have no mask (expected " + maskRule(format) + "), e.g. " + images.get(0).getFileName()
                + ": they train with an all-zero mask as in the reference and pixel metrics skip them"));
    }

    /** Existence, readability and (optionally) a readable header; returns the size when the header was read. */
    private static ImageFiles.Size check(Path file, String what, LoadOptions options, Problems problems) {
        if (!Files.exists(file)) {
            problems.error("missing " + what + " file " + file);
            return null;
        }
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            problems.error("unreadable " + what + " file " + file + " (not a readable regular file)");
            return null;
        }
        if (!options.verifyImages()) {
            return null;
        }
        try {
            return ImageFiles.probe(file);
        } catch (IOException e) {
            problems.error("unreadable " + what + " file " + file + ": " + e.getMessage());
            return null;
        }
    }

    private static void checkLabels(Path root, List<Sample> samples, LoadOptions options, Problems problems) {
        String splits = options.splits().stream().map(Split::folderName).sorted().toList().toString();
        if (samples.isEmpty()) {
            problems.error("no images found in " + root + " (splits " + splits + ")");
            return;
        }
        long anomalous = samples.stream().filter(Sample::anomalous).count();
        if (anomalous == 0 && !options.allowPseudoAnomalies()) {
            problems.error("no anomalous images in " + root + " (splits " + splits + ", " + samples.size()
                    + " good images): training needs anomalous images with masks; add some, or enable "
                    + "pseudo-anomalies to teach from good parts only");
        }
        Dataset.byClass(samples).forEach((cls, list) -> {
            long a = list.stream().filter(Sample::anomalous).count();
            if (a == 0 && anomalous > 0) {
                problems.warn("class " + cls + " has no anomalous images (" + list.size() + " good)");
            }
            if (a == list.size()) {
                problems.warn("class " + cls + " has no good images (" + list.size() + " anomalous)");
            }
        });
    }

    static String maskRule(Format format) {
        return switch (format) {
            case MVTEC -> MvtecLayout.MASK_RULE;
            case VISA -> VisaCsv.MASK_RULE;
            case META -> MetaJson.MASK_RULE;
            case FOLDER, AUTO -> FolderLayout.MASK_RULE;
        };
    }
}
