package dev.anomalyedge.util;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * SHA-256 content hashes, lower-case hex (64 characters): of files (streamed, about 1 s per GB), of several files in
 * order, and of text parts each followed by a newline. The one place the project hashes content: checkpoints, graphs,
 * feature-cache keys and TensorRT plan keys all use it.
 */
public final class Digests {
    private Digests() {}

    /** SHA-256 of the bytes of {@code files}, one after the other; a file that cannot be read is an {@link UncheckedIOException}. */
    public static String sha256(Path... files) {
        MessageDigest d = sha256();
        byte[] buffer = new byte[1 << 20];
        for (Path f : files) {
            try (InputStream in = Files.newInputStream(f)) {
                for (int n; (n = in.read(buffer)) > 0; ) d.update(buffer, 0, n);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + f + " to hash it: " + e.getMessage(), e);
            }
        }
        return HexFormat.of().formatHex(d.digest());
    }

    /** SHA-256 over the UTF-8 bytes of each part followed by a newline. */
    public static String sha256Lines(String... parts) {
        MessageDigest d = sha256();
        for (String part : parts) {
            d.update(part.getBytes(StandardCharsets.UTF_8));
            d.update((byte) '\n');
        }
        return HexFormat.of().formatHex(d.digest());
    }

    /** SHA-256 over the UTF-8 bytes of {@code text}. */
    public static String sha256Text(String text) {
        return HexFormat.of().formatHex(sha256().digest(text.getBytes(StandardCharsets.UTF_8)));
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK always provides SHA-256", e);
        }
    }
}
