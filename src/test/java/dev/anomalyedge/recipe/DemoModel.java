package dev.anomalyedge.recipe;

import dev.anomalyedge.bundle.ModelBundle;
import dev.anomalyedge.cli.DemoCommand;
import dev.anomalyedge.engine.ort.OrtAnomalyEngine;
import dev.anomalyedge.inspection.LoadedModel;
import dev.anomalyedge.synthetic.SyntheticParts;
import dev.anomalyedge.testing.Golden;
import picocli.CommandLine;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/** The demo model (untrained prompts) on ONNX Runtime, exported and opened once per test JVM, and synthetic part images. */
final class DemoModel {
    private static LoadedModel model;

    private DemoModel() {}

    static synchronized LoadedModel get() {
        if (model == null) {
            Path work = Golden.tempDir("recipe-demo-");
            if (new CommandLine(new DemoCommand()).execute("--out", work.toString(), "--untrained") != 0) {
                throw new IllegalStateException("demo export failed");
            }
            ModelBundle bundle = ModelBundle.load(work.resolve("models/demo/untrained-1"));
            model = new LoadedModel(bundle, OrtAnomalyEngine.open(bundle.graphFile(), 2), "demo", "untrained-1");
        }
        return model;
    }

    static RecipeStore.Upload part(int size, long seed, SyntheticParts.Defect defect) {
        return new RecipeStore.Upload("part-" + seed + ".png", png(SyntheticParts.generate(size, seed, defect).image()));
    }

    static byte[] png(BufferedImage image) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ImageIO.write(image, "png", out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
