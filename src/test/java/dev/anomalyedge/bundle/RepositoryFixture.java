package dev.anomalyedge.bundle;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.anomalyedge.demo.DemoModel;
import dev.anomalyedge.tensor.DType;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** Model repositories for tests: the untrained demo bundle exported once per JVM, placed under other names cheaply. */
public final class RepositoryFixture {
    private static Path demo;

    private RepositoryFixture() {}

    /** Exports the untrained demo bundle (the appliance's built-in default) to {@code bundleDir}. */
    public static ModelBundle exportDemo(Path bundleDir) {
        try {
            Path sources = Files.createTempDirectory("demo-sources-");
            DemoModel.Checkpoints ck = DemoModel.writeCheckpoints(DemoModel.architecture(), DemoModel.settings(), DemoModel.SEED,
                    sources.resolve("demo_clip.safetensors"), sources.resolve("demo_prompt_learner.safetensors"), DType.F32);
            return new BundleExporter(line -> { }).export(new BundleExporter.Request(ck.clip(), ck.prompts(), DemoModel.settings(),
                    null, null, bundleDir, "demo", "untrained-1", true, DemoModel.NOTE));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The demo bundle, exported once per JVM. */
    static synchronized Path demo() throws IOException {
        if (demo == null) demo = exportDemo(Files.createTempDirectory("repo-fixture-").resolve("demo/untrained-1")).dir();
        return demo;
    }

    /**
     * A loadable bundle {@code <repo>/<name>/<version>} created at {@code createdAt}: the demo's manifest with that time,
     * its other files hard-linked, not copied.
     */
    static Path place(Path repo, String name, String version, String createdAt) throws IOException {
        Path src = demo();
        Path dir = Files.createDirectories(repo.resolve(name).resolve(version));
        try (Stream<Path> files = Files.list(src)) {
            for (Path f : files.toList()) {
                if (f.getFileName().toString().equals(ModelBundle.MANIFEST)) {
                    ObjectNode manifest = (ObjectNode) ModelBundle.JSON.readTree(f.toFile());
                    manifest.put("created_at", createdAt);
                    ModelBundle.JSON.writeValue(dir.resolve(ModelBundle.MANIFEST).toFile(), manifest);
                } else {
                    Files.createLink(dir.resolve(f.getFileName()), f);
                }
            }
        }
        return dir;
    }
}
