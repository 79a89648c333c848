package dev.anomalyedge.cli;

import dev.anomalyedge.bundle.ModelBundle;
import dev.anomalyedge.demo.DemoModel;
import dev.anomalyedge.synthetic.SyntheticParts;
import dev.anomalyedge.image.ImageDecoder;
import dev.anomalyedge.inspection.OfflineInspection;
import dev.anomalyedge.training.DemoTraining;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import javax.imageio.ImageIO;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * The main job on the built-in default, in one shot: generate the demo model and sample part images, export a bundle
 * through the real checkpoint readers and graph builder, train and calibrate its prompts on the synthetic parts as the
 * service does in the background ({@link DemoTraining}), and inspect the samples. {@code --untrained} skips the
 * training (a quick pipeline check; its scores do not point at defects).
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Generate the built-in demo model and sample images, export a bundle, train and calibrate its prompts on",
                "the synthetic parts (as the service does; about 20-75 s) and inspect the samples into OUT/results."})
public class DemoCommand implements Callable<Integer> {
    @Option(names = "--out", defaultValue = "demo-out", description = "working directory (default: ${DEFAULT-VALUE})")
    Path out;

    @Option(names = "--untrained", description = "skip the prompt training: inspect with the untrained demo (fast, scores not meaningful)")
    boolean untrained;

    @Override
    public Integer call() throws Exception {
        ModelBundle bundle;
        if (untrained) {
            Console.info(DemoModel.NOTE);
            bundle = DemoTraining.exportUntrained(out.resolve("checkpoints"), out.resolve("models/demo/untrained-1"), "untrained-1",
                    Console::info).bundle();
        } else {
            Console.info(DemoTraining.NOTE);
            Path trained = out.resolve("models/demo/trained-1");
            DemoTraining.Result r = DemoTraining.train(out, trained, DemoTraining.Options.defaults(),
                    new TrainCommand.ProgressPrinter(Console::info, 2.0), Console::info);
            Console.info(r.summary());
            bundle = r.bundle();
        }

        List<Path> images = writeSamples(out.resolve("images"));
        OfflineInspection.Request inspect = new OfflineInspection.Request(bundle.dir(), images, out.resolve("results"), 1,
                ImageDecoder.DEFAULT_MAX_PIXELS);
        return InspectCommand.print(OfflineInspection.run(inspect, new EngineOptions()::open, Console::info));
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
