package dev.anomalyedge.weights;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/** Test helper: copies a golden zip into a temp dir with some entries changed or dropped. */
final class ZipSurgery {
    private ZipSurgery() {}

    /** Copies {@code src} to {@code dst}; {@code edit(name, bytes)} returns the new bytes, or null to drop the entry. */
    static Path copy(Path src, Path dst, BiFunction<String, byte[], byte[]> edit) throws IOException {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        try (ZipFile zip = new ZipFile(src.toFile())) {
            for (Enumeration<? extends ZipEntry> en = zip.entries(); en.hasMoreElements(); ) {
                ZipEntry e = en.nextElement();
                byte[] bytes;
                try (InputStream in = zip.getInputStream(e)) {
                    bytes = in.readAllBytes();
                }
                byte[] edited = edit.apply(e.getName(), bytes);
                if (edited != null) entries.put(e.getName(), edited);
            }
        }
        StoredZip.write(dst, entries);
        return dst;
    }
}
