package dev.anomalyedge.bundle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A model repository directory: {@code <dir>/<name>/<version>/} bundles, and {@code <dir>/active.json} naming the
 * bundle to serve (written atomically on activation, so a restart serves the same model).
 */
public final class ModelRepository {
    public static final String ACTIVE = "active.json";
    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    private final Path dir;

    public ModelRepository(Path dir) {
        this.dir = dir.toAbsolutePath().normalize();
    }

    public Path dir() { return dir; }

    /** One entry of the repository: where it is, and its manifest or why it cannot be read. */
    public record Entry(String name, String version, Path dir, BundleManifest manifest, String error) {
        public boolean loadable() { return error == null; }
    }

    public record ModelRef(String name, String version) {
        @Override
        public String toString() { return name + "/" + version; }
    }

    /** Every {@code <name>/<version>} directory with a bundle.json (hidden names skipped), sorted by name then version. */
    public List<Entry> list() throws IOException {
        List<Entry> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) return out;
        try (Stream<Path> names = Files.list(dir)) {
            // hidden folders (.demo-sources, .demo-training) hold work files, not served bundles
            for (Path n : names.filter(Files::isDirectory).filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList()) {
                try (Stream<Path> versions = Files.list(n)) {
                    for (Path v : versions.filter(p -> Files.isRegularFile(p.resolve(ModelBundle.MANIFEST))).sorted().toList()) {
                        String name = n.getFileName().toString();
                        String version = v.getFileName().toString();
                        try {
                            out.add(new Entry(name, version, v, ModelBundle.load(v).manifest(), null));
                        } catch (BundleException e) {
                            out.add(new Entry(name, version, v, null, e.getMessage()));
                        }
                    }
                }
            }
        }
        return out;
    }

    /** The directory of {@code name/version}; names must be plain path segments. */
    public Path bundleDir(String name, String version) {
        if (!SAFE.matcher(name).matches() || !SAFE.matcher(version).matches()) {
            throw new BundleException("invalid model name/version '" + name + "/" + version
                    + "': use letters, digits, '.', '_' and '-' (max 128)");
        }
        return dir.resolve(name).resolve(version);
    }

    public Optional<ModelRef> active() throws IOException {
        Path f = dir.resolve(ACTIVE);
        if (!Files.isRegularFile(f)) return Optional.empty();
        try {
            JsonNode n = ModelBundle.JSON.readTree(f.toFile());
            return Optional.of(new ModelRef(n.get("name").asText(), n.get("version").asText()));
        } catch (IOException | NullPointerException e) {
            throw new BundleException(f + ": cannot read the active model pointer: " + e.getMessage());
        }
    }

    public void setActive(ModelRef ref) throws IOException {
        Files.createDirectories(dir);
        ObjectNode n = ModelBundle.JSON.createObjectNode().put("name", ref.name()).put("version", ref.version());
        Path tmp = dir.resolve(ACTIVE + ".tmp");
        ModelBundle.JSON.writeValue(tmp.toFile(), n);
        Files.move(tmp, dir.resolve(ACTIVE), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** The active pointer if set, else the newest loadable bundle (by creation time). */
    public Optional<ModelRef> defaultModel() throws IOException {
        Optional<ModelRef> a = active();
        if (a.isPresent()) return a;
        return list().stream().filter(Entry::loadable)
                .max(Comparator.comparing((Entry e) -> e.manifest().createdAt() == null ? "" : e.manifest().createdAt()))
                .map(e -> new ModelRef(e.name(), e.version()));
    }
}
