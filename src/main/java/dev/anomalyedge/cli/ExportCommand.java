package dev.anomalyedge.cli;

import dev.anomalyedge.bundle.BundleExporter;
import dev.anomalyedge.bundle.BundleManifest;
import dev.anomalyedge.bundle.ModelBundle;
import dev.anomalyedge.graph.Precision;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "export", mixinStandardHelpOptions = true,
        description = {"Build a model bundle (ONNX scoring graph + text embeddings + manifest) from CLIP and prompt checkpoints,",
                "or (--from-bundle) rebuild an existing bundle's graph, e.g. at another --precision."})
public class ExportCommand implements Callable<Integer> {
    @Option(names = "--clip", description = "CLIP weights: .safetensors, torch.save .pth, or OpenAI TorchScript .pt")
    Path clip;

    @Option(names = "--prompts", description = "AnomalyCLIP prompt learner: {\"prompt_learner\": state_dict} .pth, or .safetensors")
    Path prompts;

    @Option(names = "--from-bundle", description = "take CLIP (the path recorded in its bundle.json), prompts, settings, name and"
            + " note from this bundle instead of --clip/--prompts and the model options (calibration is not carried over: recalibrate)")
    Path fromBundle;

    @Option(names = "--out", required = true, description = "bundle directory to write")
    Path out;

    @Option(names = "--name", description = "model name in the manifest (default: parent directory name)")
    String name;

    @Option(names = "--version", description = "model version in the manifest (default: output directory name)")
    String version;

    @Option(names = "--precision", defaultValue = "fp32", converter = PrecisionConverter.class,
            description = "fp32, or int8: int8 weights for the vision blocks' linear layers with activations quantised at run"
                    + " time (ONNX Runtime CPU only; about 4x smaller, faster on CPU; maps and scores deviate slightly) (default: ${DEFAULT-VALUE})")
    Precision precision;

    @Mixin
    ModelOptions model;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        BundleExporter.Request request;
        if (fromBundle != null) {
            if (clip != null || prompts != null) throw new ParameterException(spec.commandLine(), "--from-bundle replaces --clip and --prompts");
            request = fromBundle(ModelBundle.load(fromBundle));
        } else {
            if (clip == null || prompts == null) throw new ParameterException(spec.commandLine(), "--clip and --prompts are required (or --from-bundle)");
            request = new BundleExporter.Request(clip, prompts, model.settings(), model.visionHeads, model.textHeads, out, name, version,
                    false, null, precision);
        }
        ModelBundle b = new BundleExporter(Console::info).export(request);
        Console.info("exported " + b.name() + " " + b.version() + " (" + b.imageSize() + " px, " + b.manifest().graphPrecision().id()
                + ") to " + b.dir());
        return 0;
    }

    private BundleExporter.Request fromBundle(ModelBundle source) {
        BundleManifest m = source.manifest();
        BundleManifest.Source clipSource = m.sources() == null ? null : m.sources().get("clip");
        if (clipSource == null || clipSource.path() == null) {
            throw new ParameterException(spec.commandLine(), source.dir() + ": bundle.json does not record the CLIP checkpoint's path");
        }
        Path sourceClip = Path.of(clipSource.path());
        if (!java.nio.file.Files.isRegularFile(sourceClip)) {
            throw new ParameterException(spec.commandLine(), source.dir() + ": its CLIP checkpoint " + sourceClip + " is not there any more");
        }
        return new BundleExporter.Request(sourceClip, source.dir().resolve(m.files().promptLearner() != null ? m.files().promptLearner() : ModelBundle.PROMPT_LEARNER), source.settings(),
                m.architecture().visionHeads(), m.architecture().textHeads(), out, name != null ? name : m.name(), version,
                m.demo(), m.note(), precision);
    }

    /** "fp32" / "int8", any case. */
    static final class PrecisionConverter implements ITypeConverter<Precision> {
        @Override
        public Precision convert(String value) {
            return Precision.parse(value);
        }
    }
}
