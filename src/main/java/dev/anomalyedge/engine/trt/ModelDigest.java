package dev.anomalyedge.engine.trt;

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
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
        ByteBuffer buffer = ByteBuffer.allocate(1 << 20);
        update(md, model, buffer);
        Path data = dataFile(model);
        if (Files.isRegularFile(data)) update(md, data, buffer);
        return HexFormat.of().formatHex(md.digest());
    }

    private static void update(MessageDigest md, Path file, ByteBuffer buffer) {
        try (FileChannel ch = FileChannel.open(file)) {
            buffer.clear();
            while (ch.read(buffer) >= 0) {
                buffer.flip();
                md.update(buffer);
                buffer.clear();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + " to hash it", e);
        }
    }
}
