package dev.anomalyedge.training.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A plain folder, the way a line engineer collects pictures:
 * <pre>
 *   root/good/*.png                      good parts
 *   root/scratch/*.png                   anomalous parts, defect type "scratch" (any folder name)
 *   root/scratch/0001_mask.png           optional mask next to its image, or
 *   root/masks/scratch/0001_mask.png     in a masks/ folder, or
 *   root/masks/scratch/0001.png          in a masks/ folder under the image's own name
 * </pre>
 * The mask of {@code <defect>/<stem>.<ext>} is the first file found among {@code <defect>/<stem>_mask.*},
 * {@code masks/<defect>/<stem>_mask.*}, {@code masks/<defect>/<stem>.*} (any image extension, case-insensitive).
 * Files named {@code *_mask.*} in a defect folder are masks, never images. An anomalous image without a mask is
 * mask-less (see {@link LoadOptions#requireMasks()}).
 *
 * <p>With {@code root/good/} the data set has one class named after the root folder. Without it, every sub-folder
 * {@code root/<class>/} that has a {@code good/} folder is a class laid out as above. FOLDER data has no splits: every
 * sample is {@link Split#TEST}.
 */
final class FolderLayout {
    private FolderLayout() {}

    static final String MASK_RULE = "<defect>/<stem>_mask.png, masks/<defect>/<stem>_mask.png or masks/<defect>/<stem>.png";
    private static final String MASK_SUFFIX = "_mask";

    static boolean looksLike(Path root) {
        return isClassDir(root) || ImageFiles.subfolders(root).stream().anyMatch(FolderLayout::isClassDir);
    }

    private static boolean isClassDir(Path dir) {
        return Files.isDirectory(dir.resolve("good"));
    }

    static List<Sample> read(Path root, Set<Split> splits, Problems problems) {
        List<Path> classDirs = ImageFiles.classFolders(root, FolderLayout::isClassDir,
                "no good/ inside, so not a class folder",
                "no good/ folder in " + root + " nor in any of its sub-folders", problems);
        List<Sample> samples = new ArrayList<>();
        if (!splits.contains(Split.TEST)) {
            return samples; // FOLDER samples are all TEST
        }
        for (Path classDir : classDirs) {
            readClass(classDir, problems, samples);
        }
        return samples;
    }

    private static void readClass(Path classDir, Problems problems, List<Sample> out) {
        String cls = classDir.getFileName().toString();
        for (Path img : ImageFiles.images(classDir.resolve("good"), problems)) {
            out.add(new Sample(img, cls, Sample.GOOD, null, "good", Split.TEST));
        }
        for (Path f : ImageFiles.files(classDir)) {
            problems.warn("ignored file " + f + " (images go in good/ or a defect folder)");
        }
        for (Path typeDir : ImageFiles.subfolders(classDir)) {
            String type = typeDir.getFileName().toString();
            if (type.equals("good") || type.equals("masks")) {
                continue;
            }
            List<Path> files = ImageFiles.images(typeDir, problems);
            Map<String, Path> besideMasks = new java.util.LinkedHashMap<>();
            List<Path> images = new ArrayList<>();
            for (Path f : files) {
                if (ImageFiles.stem(f).endsWith(MASK_SUFFIX)) {
                    besideMasks.putIfAbsent(ImageFiles.stem(f), f);
                } else {
                    images.add(f);
                }
            }
            Map<String, Path> folderMasks = MvtecLayout.masksByStem(classDir.resolve("masks").resolve(type));
            Set<Path> used = new HashSet<>();
            for (Path img : images) {
                String stem = ImageFiles.stem(img);
                Path mask = besideMasks.get(stem + MASK_SUFFIX);
                if (mask == null) {
                    mask = folderMasks.getOrDefault(stem + MASK_SUFFIX, folderMasks.get(stem));
                }
                if (mask != null) {
                    used.add(mask);
                }
                out.add(new Sample(img, cls, Sample.ANOMALOUS, mask, type, Split.TEST));
            }
            List<String> unused = new ArrayList<>();
            besideMasks.values().stream().filter(p -> !used.contains(p)).forEach(p -> unused.add(p.toString()));
            folderMasks.values().stream().filter(p -> !used.contains(p)).forEach(p -> unused.add(p.toString()));
            if (!unused.isEmpty()) {
                problems.warn(unused.size() + " mask(s) of " + typeDir + " match no image (expected " + MASK_RULE
                        + "): " + String.join(", ", unused.subList(0, Math.min(5, unused.size())))
                        + (unused.size() > 5 ? ", ..." : ""));
            }
        }
    }
}
