package dev.anomalyedge.training.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * MVTec AD layout:
 * <pre>
 *   root/class/train/good/*.png
 *   root/class/test/good/*.png
 *   root/class/test/defect/*.png
 *   root/class/ground_truth/defect/stem_mask.png     (or stem.png, as in VisA's MVTec-style copy)
 * </pre>
 * A folder is a class when it has a {@code train/} or {@code test/} sub-folder; when the root itself has one, the root
 * is a single class named after it. Any sub-folder of {@code train/} or {@code test/} other than {@code good} holds
 * anomalous images whose defect type is the folder name. Mask extensions are matched case-insensitively.
 */
final class MvtecLayout {
    private MvtecLayout() {}

    static final String MASK_RULE = "<class>/ground_truth/<defect>/<stem>_mask.png or <stem>.png";

    static boolean looksLike(Path root) {
        if (isClassDir(root)) {
            return true;
        }
        return ImageFiles.subfolders(root).stream().anyMatch(MvtecLayout::isClassDir);
    }

    private static boolean isClassDir(Path dir) {
        return Files.isDirectory(dir.resolve("train")) || Files.isDirectory(dir.resolve("test"));
    }

    static List<Sample> read(Path root, Set<Split> splits, Problems problems) {
        List<Path> classDirs = ImageFiles.classFolders(root, MvtecLayout::isClassDir,
                "no train/ or test/ inside, so not an MVTec class",
                "no MVTec class folder (<class>/train or <class>/test) under " + root, problems);
        List<Sample> samples = new ArrayList<>();
        for (Path classDir : classDirs) {
            readClass(classDir, splits, problems, samples);
        }
        return samples;
    }

    private static void readClass(Path classDir, Set<Split> splits, Problems problems, List<Sample> out) {
        String cls = classDir.getFileName().toString();
        Path gtRoot = classDir.resolve("ground_truth");
        Set<Path> usedMasks = new HashSet<>();
        for (Split split : Split.values()) {
            if (!splits.contains(split)) {
                continue;
            }
            for (Path typeDir : ImageFiles.subfolders(classDir.resolve(split.folderName()))) {
                String type = typeDir.getFileName().toString();
                boolean good = type.equals("good");
                Map<String, Path> masks = good ? Map.of() : masksByStem(gtRoot.resolve(type));
                for (Path img : ImageFiles.images(typeDir, problems)) {
                    if (good) {
                        out.add(new Sample(img, cls, Sample.GOOD, null, "good", split));
                    } else {
                        String stem = ImageFiles.stem(img);
                        Path mask = masks.getOrDefault(stem + "_mask", masks.get(stem));
                        if (mask != null) {
                            usedMasks.add(mask);
                        }
                        out.add(new Sample(img, cls, Sample.ANOMALOUS, mask, type, split));
                    }
                }
            }
        }
        if (splits.contains(Split.TEST)) {
            reportUnusedMasks(gtRoot, usedMasks, problems);
        }
    }

    /** Mask files of a ground-truth folder by stem (file name without extension). */
    static Map<String, Path> masksByStem(Path dir) {
        Map<String, Path> m = new LinkedHashMap<>();
        for (Path f : ImageFiles.files(dir)) {
            if (ImageFiles.hasImageExtension(f)) {
                m.putIfAbsent(ImageFiles.stem(f), f);
            }
        }
        return m;
    }

    /** Masks nobody claimed usually mean a naming mismatch between images and masks. */
    private static void reportUnusedMasks(Path gtRoot, Set<Path> used, Problems problems) {
        for (Path typeDir : ImageFiles.subfolders(gtRoot)) {
            List<String> unused = masksByStem(typeDir).values().stream().filter(p -> !used.contains(p))
                    .map(p -> p.getFileName().toString()).toList();
            if (!unused.isEmpty()) {
                problems.warn(unused.size() + " mask(s) in " + typeDir + " match no image (expected "
                        + MASK_RULE + "): " + String.join(", ", unused.subList(0, Math.min(5, unused.size())))
                        + (unused.size() > 5 ? ", ..." : ""));
            }
        }
    }
}
