package dev.anomalyedge.cli;

import dev.anomalyedge.bundle.BundleExporter;
import dev.anomalyedge.bundle.ModelBundle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "export", mixinStandardHelpOptions = true,
        description = "Build a model bundle (ONNX scoring graph + text embeddings + manifest) from CLIP and prompt checkpoints.")
public class ExportCommand implements Callable<Integer> {
    @Option(names = "--clip", required = true, description = "CLIP weights: .safetensors, torch.save .pth, or OpenAI TorchScript .pt")
    Path clip;

    @Option(names = "--prompts", required = true, description = "AnomalyCLIP prompt learner: {\"prompt_learner\": state_dict} .pth, or .safetensors")
    Path prompts;

    @Option(names = "--out", required = true, description = "bundle directory to write")
    Path out;

    @Option(names = "--name", description = "model name in the manifest (default: parent directory name)")
    String name;

    @Option(names = "--version", description = "model version in the manifest (default: output directory name)")
    String version;

    @Mixin
    ModelOptions model;

    @Override
    public Integer call() throws Exception {
        ModelBundle b = new BundleExporter(Console::info).export(new BundleExporter.Request(clip, prompts, model.settings(),
                model.visionHeads, model.textHeads, out, name, version, false, null));
        Console.info("exported " + b.name() + " " + b.version() + " (" + b.imageSize() + " px) to " + b.dir());
        return 0;
    }
}
