package dev.anomalyedge.cli;

import dev.anomalyedge.bundle.BundleExporter;
import dev.anomalyedge.bundle.ModelBundle;
import dev.anomalyedge.demo.DemoModel;
import dev.anomalyedge.demo.SyntheticParts;
import dev.anomalyedge.image.ImageDecoder;
import dev.anomalyedge.tensor.DType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import javax.imageio.ImageIO;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * The main job on the built-in default: generate the demo model (random, untrained) and sample part images, export a
 * bundle through the real checkpoint readers and graph builder, and inspect the samples with ONNX Runtime.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Generate the built-in demo model and sample images, export a bundle and inspect the samples.")
public class DemoCommand implements Callable<Integer> {
    @Option(names = "--out", defaultValue = "demo-out", description = "working directory (default: ${DEFAULT-VALUE})")
    Path out;

    @Override
    public Integer call() throws Exception {
        Console.info(DemoModel.NOTE);
        DemoModel.Checkpoints ck = DemoModel.writeCheckpoints(DemoModel.architecture(), DemoModel.settings(), DemoModel.SEED,
                out.resolve("checkpoints/demo_clip.safetensors"), out.resolve("checkpoints/demo_prompt_learner.safetensors"), DType.F32);
        Path bundleDir = out.resolve("models/demo/untrained-1");
        ModelBundle bundle = new BundleExporter(Console::info).export(new BundleExporter.Request(ck.clip(), ck.prompts(),
                DemoModel.settings(), null, null, bundleDir, "demo", "untrained-1", true, DemoModel.NOTE));

        List<Path> images = writeSamples(out.resolve("images"));
        InspectCommand inspect = new InspectCommand();
        inspect.bundleDir = bundle.dir();
        inspect.out = out.resolve("results");
        inspect.images = images;
        inspect.batchSize = 1;
        inspect.maxPixels = ImageDecoder.DEFAULT_MAX_PIXELS;
        inspect.engineOptions.engine = "auto";
        return inspect.call();
    }

    /** Two good parts and one of each defect, 256 px, with their masks. */
    static List<Path> writeSamples(Path dir) throws Exception {
        Files.createDirectories(dir);
        List<Path> files = new ArrayList<>();
        SyntheticParts.Defect[] defects = {SyntheticParts.Defect.NONE, SyntheticParts.Defect.NONE, SyntheticParts.Defect.SCRATCH,
                SyntheticParts.Defect.SPOT, SyntheticParts.Defect.CHIP};
        for (int i = 0; i < defects.length; i++) {
            SyntheticParts.Sample s = SyntheticParts.generate(256, DemoModel.SEED + 100 + i, defects[i]);
            String name = String.format("part_%02d_%s", i, defects[i] == SyntheticParts.Defect.NONE ? "good" : defects[i].name().toLowerCase());
            Path img = dir.resolve(name + ".png");
            ImageIO.write(s.image(), "png", img.toFile());
            ImageIO.write(s.mask(), "png", dir.resolve(name + "_mask.png").toFile());
            files.add(img);
        }
        return files;
    }
}
