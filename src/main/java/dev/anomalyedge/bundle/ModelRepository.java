package dev.anomalyedge.bundle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.anomalyedge.util.DurableFiles;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A model repository directory: {@code <dir>/<name>/<version>/} bundles, and {@code <dir>/active.json} naming the
 * bundle to serve (written atomically and durably on activation, so a restart serves the same model).
 */
public final class ModelRepository {
    private static final Logger LOG = Logger.getLogger(ModelRepository.class);
    public static final String ACTIVE = "active.json";
    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    private final Path dir;
    private volatile String fallbackReason;

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

    /** The bundle active.json names, empty when there is none; a pointer that cannot be read is a BundleException. */
    public Optional<ModelRef> active() throws IOException {
        Path f = dir.resolve(ACTIVE);
        if (!Files.isRegularFile(f)) return Optional.empty();
        JsonNode n;
        try {
            n = ModelBundle.JSON.readTree(f.toFile());
        } catch (IOException e) {
            throw new BundleException(f + ": cannot read the active model pointer: " + e.getMessage(), e);
        }
        if (n == null || !n.path("name").isTextual() || !n.path("version").isTextual()) {
            throw new BundleException(f + ": the active model pointer is " + (n == null || n.isMissingNode() ? "empty"
                    : "not a {\"name\": …, \"version\": …} object"));
        }
        return Optional.of(new ModelRef(n.get("name").asText(), n.get("version").asText()));
    }

    /**
     * Points active.json at {@code ref} durably: written to a temporary file that is flushed to disk, renamed over
     * active.json in one step, and the folder flushed, so a crash or power cut leaves the old pointer or the new one.
     */
    public void setActive(ModelRef ref) throws IOException {
        Files.createDirectories(dir);
        ObjectNode n = ModelBundle.JSON.createObjectNode().put("name", ref.name()).put("version", ref.version());
        DurableFiles.replace(dir.resolve(ACTIVE), ModelBundle.JSON.writeValueAsBytes(n));
    }

    /**
     * The bundle to serve at start: the one active.json names, else the newest loadable bundle (by creation time). When
     * active.json is there but empty, unreadable or names no loadable bundle, the newest loadable one is served instead
     * and {@link #fallbackReason()} says why (also logged).
     */
    public Optional<ModelRef> defaultModel() throws IOException {
        List<Entry> entries = list();
        Optional<ModelRef> newest = entries.stream().filter(Entry::loadable)
                .max(Comparator.comparing((Entry e) -> e.manifest().createdAt() == null ? "" : e.manifest().createdAt()))
                .map(e -> new ModelRef(e.name(), e.version()));
        String problem;
        try {
            Optional<ModelRef> pointer = active();
            if (pointer.isEmpty()) {
                fallbackReason = null;
                return newest;
            }
            ModelRef a = pointer.get();
            Optional<Entry> named = entries.stream().filter(e -> e.name().equals(a.name()) && e.version().equals(a.version())).findFirst();
            if (named.isPresent() && named.get().loadable()) {
                fallbackReason = null;
                return pointer;
            }
            problem = dir.resolve(ACTIVE) + " names " + a + ", which " + (named.isPresent()
                    ? "cannot be loaded: " + named.get().error() : "is not a bundle in the repository");
        } catch (BundleException e) {
            problem = e.getMessage();
        }
        fallbackReason = problem + (newest.isPresent() ? "; serving the newest loadable bundle " + newest.get() + " instead"
                : "; no loadable bundle to serve instead");
        LOG.warn(fallbackReason);
        return newest;
    }

    /** Why the last {@link #defaultModel()} did not follow active.json, or empty when it did (or there was none). */
    public Optional<String> fallbackReason() { return Optional.ofNullable(fallbackReason); }
}
