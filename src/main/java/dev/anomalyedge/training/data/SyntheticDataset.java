package dev.anomalyedge.training.data;

import dev.anomalyedge.synthetic.SyntheticParts;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * The built-in demo data set, written in the MVTec layout so {@link DatasetLoader} reads it back:
 * <pre>
 *   out/demo_part/train/good/000.png ...                       goodTrain images
 *   out/demo_part/test/good/000.png ...                        goodTest images
 *   out/demo_part/test/&lt;defect&gt;/000.png ...                   anomalousTest images, defect types in turn:
 *   out/demo_part/ground_truth/&lt;defect&gt;/000_mask.png ...        scratch, spot, chip, pseudo_cutpaste,
 *                                                             pseudo_cutpaste_scar, pseudo_draem
 * </pre>
 * Good parts and the scratch/spot/chip defects come from {@link SyntheticParts}; the pseudo_* ones are
 * {@link PseudoAnomalies} of a good part (DRAEM with a procedural texture). Every image has its own seed mixed from
 * the data-set seed, its role and its index, so the files depend only on (seed, size, index): the same arguments
 * write byte-identical PNGs, and adding images does not change the existing ones.
 *
 * <p>{@link Kind#TEXTURE} writes {@code out/demo_texture} instead: a stationary woven texture ({@link SyntheticTextures})
 * with scratch, spot, pseudo_cutpaste and pseudo_draem defects, under the same layout and determinism contract.
 */
public final class SyntheticDataset {
    private SyntheticDataset() {}

    public static final String CLASS_NAME = "demo_part";

    /** Defect types in the order anomalous images cycle through them. */
    public static final List<String> DEFECT_TYPES = List.of("scratch", "spot", "chip",
            PseudoAnomalies.Method.CUTPASTE.defectType(), PseudoAnomalies.Method.CUTPASTE_SCAR.defectType(),
            PseudoAnomalies.Method.DRAEM.defectType());

    /** What the data set shows: one machined part per image (the demo's), or a stationary texture. */
    public enum Kind {
        PART(CLASS_NAME, DEFECT_TYPES),
        TEXTURE("demo_texture", Arrays.stream(SyntheticTextures.Defect.values())
                .filter(d -> d != SyntheticTextures.Defect.NONE).map(SyntheticTextures.Defect::defectType).toList());

        private final String className;
        private final List<String> defectTypes;

        Kind(String className, List<String> defectTypes) {
            this.className = className;
            this.defectTypes = defectTypes;
        }

        /** The class folder: demo_part or demo_texture. */
        public String className() { return className; }

        /** Defect types in the order anomalous images cycle through them. */
        public List<String> defectTypes() { return defectTypes; }
    }

    private static final int TRAIN_GOOD = 1;
    private static final int TEST_GOOD = 2;
    private static final int TEST_ANOMALOUS = 3;

    /**
     * Writes the data set under {@code out/demo_part} and returns {@code out}, the root to load as MVTEC.
     *
     * @throws IllegalArgumentException for negative counts, no image at all, or size under 32
     * @throws IllegalStateException    when {@code out/demo_part} already exists and is not empty
     */
    public static Path generate(Path out, long seed, int goodTrain, int goodTest, int anomalousTest, int size) {
        return generate(out, Kind.PART, seed, goodTrain, goodTest, anomalousTest, size);
    }

    /**
     * Writes the data set of {@code kind} under {@code out/<kind.className()>} and returns {@code out}, the root to load
     * as MVTEC; {@link Kind#PART} is {@link #generate(Path, long, int, int, int, int)}.
     */
    public static Path generate(Path out, Kind kind, long seed, int goodTrain, int goodTest, int anomalousTest, int size) {
        if (goodTrain < 0 || goodTest < 0 || anomalousTest < 0 || goodTrain + goodTest + anomalousTest == 0) {
            throw new IllegalArgumentException("image counts must be >= 0 and not all 0, found goodTrain=" + goodTrain
                    + " goodTest=" + goodTest + " anomalousTest=" + anomalousTest);
        }
        if (size < 32) {
            throw new IllegalArgumentException("size must be at least 32 pixels, found " + size);
        }
        Path cls = out.resolve(kind.className());
        if (Files.isDirectory(cls) && !ImageFiles.list(cls).isEmpty()) {
            throw new IllegalStateException(cls + " already exists and is not empty; choose an empty folder");
        }
        for (int i = 0; i < goodTrain; i++) {
            write(good(kind, size, mix(seed, TRAIN_GOOD, i)), cls.resolve("train/good").resolve(name(i) + ".png"));
        }
        for (int i = 0; i < goodTest; i++) {
            write(good(kind, size, mix(seed, TEST_GOOD, i)), cls.resolve("test/good").resolve(name(i) + ".png"));
        }
        for (int i = 0; i < anomalousTest; i++) {
            List<String> types = kind.defectTypes();
            String type = types.get(i % types.size());
            int n = i / types.size(); // index inside the defect folder
            long s = mix(seed, TEST_ANOMALOUS, i);
            BufferedImage[] imageAndMask = kind == Kind.PART ? anomalous(type, size, s) : anomalousTexture(type, size, s);
            write(imageAndMask[0], cls.resolve("test").resolve(type).resolve(name(n) + ".png"));
            write(imageAndMask[1], cls.resolve("ground_truth").resolve(type).resolve(name(n) + "_mask.png"));
        }
        return out;
    }

    private static BufferedImage good(Kind kind, int size, long seed) {
        return kind == Kind.PART ? good(size, seed) : SyntheticTextures.generate(size, seed, SyntheticTextures.Defect.NONE).image();
    }

    private static BufferedImage good(int size, long seed) {
        return SyntheticParts.generate(size, seed, SyntheticParts.Defect.NONE).image();
    }

    private static BufferedImage[] anomalousTexture(String type, int size, long seed) {
        SyntheticTextures.Defect defect = Arrays.stream(SyntheticTextures.Defect.values())
                .filter(d -> d.defectType().equals(type)).findFirst().orElseThrow();
        SyntheticTextures.Sample s = SyntheticTextures.generate(size, seed, defect);
        return new BufferedImage[] {s.image(), s.mask()};
    }

    private static BufferedImage[] anomalous(String type, int size, long seed) {
        return switch (type) {
            case "scratch", "spot", "chip" -> {
                SyntheticParts.Sample s = SyntheticParts.generate(size, seed,
                        SyntheticParts.Defect.valueOf(type.toUpperCase(java.util.Locale.ROOT)));
                yield new BufferedImage[] {s.image(), s.mask()};
            }
            default -> {
                BufferedImage part = good(size, seed);
                long pseudoSeed = mix(seed, 0, 0);
                PseudoAnomalies.Result r = switch (type) {
                    case "pseudo_cutpaste" -> PseudoAnomalies.cutPaste(part, pseudoSeed, false, true);
                    case "pseudo_cutpaste_scar" -> PseudoAnomalies.cutPaste(part, pseudoSeed, true, true);
                    default -> PseudoAnomalies.draem(part, null, pseudoSeed);
                };
                yield new BufferedImage[] {r.image(), r.mask()};
            }
        };
    }

    private static String name(int i) {
        return String.format("%03d", i);
    }

    static void write(BufferedImage img, Path file) {
        try {
            Files.createDirectories(file.getParent());
            if (!ImageIO.write(img, "png", file.toFile())) {
                throw new IllegalStateException("no PNG writer for " + file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /** SplitMix64 finaliser of (seed, role, index): independent, well-spread seeds per image. */
    static long mix(long seed, int role, int index) {
        long z = seed + 0x9E3779B97F4A7C15L * (((long) role << 32) + index + 1);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
