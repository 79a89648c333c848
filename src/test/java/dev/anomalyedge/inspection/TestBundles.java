package dev.anomalyedge.inspection;

import dev.anomalyedge.bundle.ModelBundle;
import dev.anomalyedge.cli.DemoCommand;
import dev.anomalyedge.testing.Golden;
import picocli.CommandLine;

import java.nio.file.Path;

/** The demo bundle, exported once per test JVM. */
final class TestBundles {
    private static ModelBundle demo;

    static synchronized ModelBundle demoBundle() {
        if (demo == null) {
            Path work = Golden.tempDir("demo-bundle-");
            if (new CommandLine(new DemoCommand()).execute("--out", work.toString(), "--untrained") != 0) throw new IllegalStateException("demo failed");
            demo = ModelBundle.load(work.resolve("models/demo/untrained-1"));
        }
        return demo;
    }
}
