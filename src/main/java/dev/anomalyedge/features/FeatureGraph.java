package dev.anomalyedge.features;

import dev.anomalyedge.util.FileTrees;

import dev.anomalyedge.util.Digests;

import dev.anomalyedge.graph.Precision;
import dev.anomalyedge.graph.ScoringGraphBuilder;
import dev.anomalyedge.model.AnomalyClipSettings;
import dev.anomalyedge.model.ClipArchitecture;
import dev.anomalyedge.weights.StateDict;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The vision graph the trainer extracts features with: the bundle's scoring graph ({@link ScoringGraphBuilder}) built
 * with fixed placeholder text embeddings (the unit vectors e₀ and e₁), so that it depends only on the CLIP vision
 * weights and the vision settings — not on any prompt learner. Its patch and image features are exactly those of every
 * bundle exported from the same CLIP checkpoint and settings (text embeddings only enter the scoring head).
 *
 * <p>Graphs are kept in {@code <cacheDir>/graphs/<id>/} where {@code id} = SHA-256 of (CLIP file SHA-256,
 * architecture, vision settings), so a second run with the same checkpoint reuses the graph without rebuilding it.
 * The SHA-256 of the graph's content (model file, then external data) is computed once when it is built and stored
 * beside it as {@code graph.sha256}; it is the graph part of every {@link FeatureCache} key.
 *
 * @param model  the ONNX model file
 * @param sha256 content hash of the model and its external data
 */
public record FeatureGraph(Path model, String sha256) {
    static final String HASH_FILE = "graph.sha256";

    /** Finds or builds the FP32 feature graph for {@code clip} (read from {@code clipFile}, whose SHA-256 is given). */
    public static FeatureGraph ensure(Path cacheDir, StateDict clip, String clipSha256, ClipArchitecture arch,
                                      AnomalyClipSettings settings, Consumer<String> log) {
        return ensure(cacheDir, clip, clipSha256, arch, settings, Precision.FP32, log);
    }

    /**
     * As above in {@code precision}: an INT8 bundle's training extracts features with the INT8 graph, at the per-image
     * cost of its inference (a different graph, so a different id and feature-cache key; FP32 ids are as before).
     */
    public static FeatureGraph ensure(Path cacheDir, StateDict clip, String clipSha256, ClipArchitecture arch,
                                      AnomalyClipSettings settings, Precision precision, Consumer<String> log) {
        String vision = visionSettings(settings) + (precision == Precision.FP32 ? "" : " precision=" + precision.id());
        String id = Digests.sha256Text(String.join("\n", clipSha256, arch.toString(), vision));
        Path dir = cacheDir.toAbsolutePath().normalize().resolve("graphs").resolve(id);
        Path model = dir.resolve("visual.onnx");
        try {
            if (Files.isRegularFile(dir.resolve(HASH_FILE)) && Files.isRegularFile(model)) {
                log.accept("reusing feature graph " + dir);
                return new FeatureGraph(model, Files.readString(dir.resolve(HASH_FILE)).trim());
            }
            log.accept("building the feature graph at " + settings.imageSize() + " px (" + precision.id() + ") in " + dir);
            Files.createDirectories(dir.getParent());
            Path staging = Files.createTempDirectory(dir.getParent(), id.substring(0, 8) + ".staging-");
            try {
                Path stagedModel = staging.resolve(model.getFileName());
                ScoringGraphBuilder.WrittenModel written = new ScoringGraphBuilder(clip, arch, settings,
                        placeholderEmbeddings(arch.embedDim())).withPrecision(precision).write(stagedModel);
                String hash = Digests.sha256(written.model(), written.data());
                Files.writeString(staging.resolve(HASH_FILE), hash + "\n");
                try {
                    Files.move(staging, dir, StandardCopyOption.ATOMIC_MOVE);
                } catch (IOException raced) {
                    if (!Files.isRegularFile(dir.resolve(HASH_FILE))) throw raced; // else another process built it first
                }
            } finally {
                FileTrees.deleteTree(staging);
            }
            return new FeatureGraph(model, Files.readString(dir.resolve(HASH_FILE)).trim());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot build the feature graph in " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Rows e₀ (normal) and e₁ (abnormal) of the identity, [2, E]. */
    static float[] placeholderEmbeddings(int embedDim) {
        float[] t = new float[2 * embedDim];
        t[0] = 1;
        t[embedDim + 1] = 1;
        return t;
    }

    /** The settings that shape the vision tower and its outputs (the text-side ones do not). */
    static String visionSettings(AnomalyClipSettings s) {
        return "image_size=" + s.imageSize() + " features=" + s.featuresList() + " dpam=" + s.dpamLayer()
                + " dpam_blocks=" + s.dpamBlocks() + " sigma=" + s.sigma() + " reduction=" + s.tapReduction();
    }

}
