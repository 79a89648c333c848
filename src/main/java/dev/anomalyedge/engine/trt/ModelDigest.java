package dev.anomalyedge.engine.trt;

import dev.anomalyedge.util.Digests;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * SHA-256 of an ONNX model as a plan depends on it: the model file followed by its external-data file
 * ({@code <model>.data}, as ScoringGraphBuilder writes it) when there is one. The weights (and the text embeddings)
 * live in the data file, so hashing the small model file alone would miss a weight change.
 */
public final class ModelDigest {
    private ModelDigest() {}

    /** The external-data file that goes with {@code model}. */
    public static Path dataFile(Path model) {
        return model.resolveSibling(model.getFileName() + ".data");
    }

    /** Lower-case hex SHA-256 over the model file, then its data file if present. Streams; about 1 s per GB. */
    public static String sha256(Path model) {
        Path data = dataFile(model);
        return Files.isRegularFile(data) ? Digests.sha256(model, data) : Digests.sha256(model);
    }
}
