package dev.anomalyedge.cli;

import dev.anomalyedge.demo.DemoModel;
import dev.anomalyedge.demo.RandomClip;
import dev.anomalyedge.model.AnomalyClipSettings;
import dev.anomalyedge.model.ClipArchitecture;
import dev.anomalyedge.tensor.DType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "random-clip", mixinStandardHelpOptions = true,
        description = "Write a CLIP checkpoint with random (untrained) weights and a fresh prompt learner, for demos and benchmarks.")
public class RandomClipCommand implements Callable<Integer> {
    enum Arch { demo, vit_l_14_336 }

    @Option(names = "--arch", defaultValue = "demo", converter = ArchConverter.class,
            description = "demo (tiny, the built-in default) or vit-l-14-336 (full size) (default: ${DEFAULT-VALUE})")
    Arch arch;

    @Option(names = "--seed", description = "random seed (default: the demo seed)")
    Long seed;

    @Option(names = "--dtype", defaultValue = "F16", description = "float type of the CLIP file: F16 (like the released weights) or F32 (default: ${DEFAULT-VALUE})")
    DType dtype;

    @Option(names = "--out-clip", required = true, description = "CLIP .safetensors to write")
    Path outClip;

    @Option(names = "--out-prompts", required = true, description = "prompt learner .safetensors to write")
    Path outPrompts;

    @Override
    public Integer call() throws Exception {
        ClipArchitecture a = arch == Arch.demo ? DemoModel.architecture() : RandomClip.vitL14at336();
        AnomalyClipSettings s = arch == Arch.demo ? DemoModel.settings() : AnomalyClipSettings.defaults();
        long t0 = System.nanoTime();
        DemoModel.writeCheckpoints(a, s, seed == null ? DemoModel.SEED : seed, outClip, outPrompts, dtype);
        Console.info(String.format("wrote %s and %s (%s, %s, untrained prompts) in %.1f s", outClip, outPrompts, a,
                arch == Arch.demo ? "designed vision tower, random text tower" : "random weights",
                (System.nanoTime() - t0) / 1e9));
        return 0;
    }

    static class ArchConverter implements picocli.CommandLine.ITypeConverter<Arch> {
        @Override
        public Arch convert(String value) {
            return Arch.valueOf(value.replace('-', '_'));
        }
    }
}
