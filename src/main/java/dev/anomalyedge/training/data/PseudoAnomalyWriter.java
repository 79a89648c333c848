package dev.anomalyedge.training.data;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Turns a good-only data set into a trainable one: writes pseudo-anomalies of its good images, in the MVTec layout,
 * and returns the data set with them added (each class's pseudo-anomalies follow its own samples).
 * <pre>
 *   out/&lt;class&gt;/test/pseudo_&lt;method&gt;/0007_&lt;good stem&gt;.png
 *   out/&lt;class&gt;/ground_truth/pseudo_&lt;method&gt;/0007_&lt;good stem&gt;_mask.png
 * </pre>
 * For each class, pseudo-anomaly {@code i} is made from the class's good image {@code i mod n} (in data-set order)
 * with {@link PseudoAnomalies#synthesize} and a seed mixed from (seed, class index, i): same inputs, same files.
 */
public final class PseudoAnomalyWriter {
    private PseudoAnomalyWriter() {}

    /**
     * @param perClass pseudo-anomalies per class (at least 1)
     * @param textures DRAEM textures (may be empty: procedural textures)
     * @throws DatasetException      listing every good image that cannot be read
     * @throws IllegalStateException when {@code out} exists and is not empty
     */
    public static Dataset addPseudoAnomalies(Dataset dataset, Path out, long seed, int perClass,
                                             List<BufferedImage> textures) {
        if (perClass < 1) {
            throw new IllegalArgumentException("perClass must be at least 1, found " + perClass);
        }
        if (Files.isDirectory(out) && !ImageFiles.list(out).isEmpty()) {
            throw new IllegalStateException(out + " already exists and is not empty; choose an empty folder");
        }
        Problems problems = new Problems();
        List<Sample> samples = new ArrayList<>(); // class by class: its own samples, then its pseudo-anomalies
        int classIndex = 0;
        for (Map.Entry<String, List<Sample>> e : dataset.byClass().entrySet()) {
            samples.addAll(e.getValue());
            List<Sample> goods = e.getValue().stream().filter(s -> !s.anomalous()).toList();
            if (goods.isEmpty()) {
                problems.warn("class " + e.getKey() + " has no good image to make pseudo-anomalies from");
                classIndex++;
                continue;
            }
            for (int i = 0; i < perClass; i++) {
                Sample good = goods.get(i % goods.size());
                BufferedImage img = read(good.image(), problems);
                if (img == null) {
                    continue;
                }
                PseudoAnomalies.Result r = PseudoAnomalies.synthesize(img, SyntheticDataset.mix(seed, classIndex, i),
                        textures);
                String type = r.method().defectType();
                String name = String.format("%04d_%s", i, ImageFiles.stem(good.image()));
                Path classDir = out.toAbsolutePath().normalize().resolve(e.getKey());
                Path imageFile = classDir.resolve("test").resolve(type).resolve(name + ".png");
                Path maskFile = classDir.resolve("ground_truth").resolve(type).resolve(name + "_mask.png");
                SyntheticDataset.write(r.image(), imageFile);
                SyntheticDataset.write(r.mask(), maskFile);
                samples.add(new Sample(imageFile, e.getKey(), Sample.ANOMALOUS, maskFile, type, Split.TEST));
            }
            classIndex++;
        }
        problems.throwIfAny("cannot make pseudo-anomalies for " + dataset.root());
        List<String> warnings = new ArrayList<>(dataset.warnings());
        warnings.addAll(problems.warnings);
        return new Dataset(dataset.root(), dataset.format(), samples, warnings);
    }

    private static BufferedImage read(Path file, Problems problems) {
        try {
            BufferedImage img = ImageIO.read(file.toFile());
            if (img == null) {
                problems.error("unreadable image " + file + ": not a PNG, JPEG or BMP image");
            }
            return img;
        } catch (IOException e) {
            problems.error("unreadable image " + file + ": " + e.getMessage());
            return null;
        }
    }
}
