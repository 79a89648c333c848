package dev.anomalyedge.bundle;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.anomalyedge.model.AnomalyClipSettings;
import dev.anomalyedge.model.ClipArchitecture;
import dev.anomalyedge.tensor.Tensor;
import dev.anomalyedge.weights.CheckpointException;
import dev.anomalyedge.weights.Safetensors;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A model bundle on disk: {@code bundle.json} (manifest), the scoring graph {@code visual.onnx} with its external
 * weights, the text embeddings it was built with, and the prompt learner they came from.
 */
public final class ModelBundle {
    public static final String MANIFEST = "bundle.json";
    public static final String GRAPH = "visual.onnx";
    public static final String GRAPH_DATA = "visual.onnx.data";
    public static final String TEXT_EMBEDDINGS = "text_embeddings.safetensors";
    public static final String PROMPT_LEARNER = "prompt_learner.safetensors";
    public static final String TEXT_EMBEDDINGS_KEY = "text_embeddings";

    static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private final Path dir;
    private final BundleManifest manifest;

    private ModelBundle(Path dir, BundleManifest manifest) {
        this.dir = dir;
        this.manifest = manifest;
    }

    /** Opens and checks a bundle directory; every problem names the directory and the missing or bad part. */
    public static ModelBundle load(Path dir) {
        if (!Files.isDirectory(dir)) throw new BundleException(dir + ": not a bundle directory (it does not exist)");
        Path manifestFile = dir.resolve(MANIFEST);
        if (!Files.isRegularFile(manifestFile)) throw new BundleException(dir + ": no " + MANIFEST + " (not a model bundle)");
        BundleManifest m;
        try {
            m = JSON.readValue(manifestFile.toFile(), BundleManifest.class);
        } catch (IOException e) {
            throw new BundleException(manifestFile + ": cannot read manifest: " + e.getMessage(), e);
        }
        if (!BundleManifest.FORMAT.equals(m.format())) {
            throw new BundleException(manifestFile + ": format is '" + m.format() + "', expected '" + BundleManifest.FORMAT + "'");
        }
        if (m.formatVersion() > BundleManifest.FORMAT_VERSION) {
            throw new BundleException(manifestFile + ": format version " + m.formatVersion() + " is newer than this appliance ("
                    + BundleManifest.FORMAT_VERSION + ")");
        }
        if (m.architecture() == null || m.settings() == null || m.files() == null) {
            throw new BundleException(manifestFile + ": manifest lacks architecture, settings or files");
        }
        ModelBundle b = new ModelBundle(dir, m);
        for (String f : new String[] {m.files().graph(), m.files().textEmbeddings()}) {
            if (f == null || !Files.isRegularFile(dir.resolve(f))) throw new BundleException(dir + ": bundle file '" + f + "' is missing");
        }
        if (m.files().graphData() != null && !Files.isRegularFile(dir.resolve(m.files().graphData()))) {
            throw new BundleException(dir + ": graph weights '" + m.files().graphData() + "' are missing");
        }
        try {
            b.settings().validate(b.architecture());
        } catch (IllegalArgumentException e) {
            throw new BundleException(manifestFile + ": settings do not fit the architecture: " + e.getMessage(), e);
        }
        return b;
    }

    public Path dir() { return dir; }

    public BundleManifest manifest() { return manifest; }

    public ClipArchitecture architecture() { return manifest.architecture().toClip(); }

    public AnomalyClipSettings settings() { return manifest.settings().toSettings(); }

    public int imageSize() { return manifest.settings().imageSize(); }

    public Path graphFile() { return dir.resolve(manifest.files().graph()); }

    public String name() { return manifest.name(); }

    public String version() { return manifest.version(); }

    /** Normalised text embeddings [2, E] (row 0 normal, row 1 abnormal). */
    public Tensor textEmbeddings() {
        Path f = dir.resolve(manifest.files().textEmbeddings());
        try {
            return Safetensors.read(f).get(TEXT_EMBEDDINGS_KEY, 2, manifest.architecture().embedDim());
        } catch (CheckpointException e) {
            throw new BundleException(dir + ": bad text embeddings: " + e.getMessage(), e);
        }
    }

    static void writeManifest(Path dir, BundleManifest m) throws IOException {
        JSON.writeValue(dir.resolve(MANIFEST).toFile(), m);
    }

    /**
     * Replaces {@code dir/bundle.json} atomically (written to a temporary file beside it, then renamed over it), so a
     * reader sees the old or the new manifest, never a partial one. Returns the bundle as reloaded.
     */
    public static ModelBundle rewriteManifest(Path dir, BundleManifest m) throws IOException {
        Path tmp = Files.createTempFile(dir, MANIFEST, ".tmp");
        try {
            JSON.writeValue(tmp.toFile(), m);
            Files.move(tmp, dir.resolve(MANIFEST), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
        return load(dir);
    }
}
