package dev.anomalyedge.cli;

import dev.anomalyedge.engine.select.EngineMode;
import dev.anomalyedge.evaluation.Calibrator;
import dev.anomalyedge.training.PromptTrainer;
import dev.anomalyedge.training.TrainRequest;
import dev.anomalyedge.training.Training;
import dev.anomalyedge.training.TrainingProgress;
import dev.anomalyedge.training.data.Format;
import dev.anomalyedge.training.torch.Recipe;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Consumer;

@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Tune the prompt learner on a labelled data set (features cached on disk) and write a new bundle.",
                "MVTec layout: every labelled image is used (test/ with ground_truth masks, and train/good)."})
public class TrainCommand implements Callable<Integer> {
    @Option(names = "--clip", required = true, description = "CLIP weights: .safetensors, torch.save .pth, or OpenAI TorchScript .pt")
    Path clip;

    @Option(names = "--prompts", description = "prompt learner to start from (default: a fresh one, initialised as the reference does)")
    Path prompts;

    @Option(names = "--bpe", description = "CLIP BPE merges for a fresh prompt learner (default: bpe_simple_vocab_16e6.txt.gz beside the CLIP file;"
            + " the demo/random models use the built-in byte vocabulary)")
    Path bpe;

    @Mixin
    ModelOptions model;

    @Option(names = "--data", required = true, description = "data set root")
    Path data;

    @Option(names = "--format", defaultValue = "auto", converter = FormatConverter.class,
            description = "mvtec, visa, meta, folder or auto (default: ${DEFAULT-VALUE})")
    Format format;

    @Option(names = "--epochs", defaultValue = "15", description = "epochs (default: ${DEFAULT-VALUE})")
    int epochs;

    @Option(names = "--batch-size", defaultValue = "8", description = "images per step (default: ${DEFAULT-VALUE})")
    int batchSize;

    @Option(names = "--lr", defaultValue = "1e-3", description = "Adam learning rate (default: ${DEFAULT-VALUE})")
    double lr;

    @Option(names = "--seed", defaultValue = "111", description = "seed of the shuffling and of a fresh prompt learner (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--recipe", defaultValue = "official", converter = RecipeConverter.class,
            description = "official (train.py) or mission (default: ${DEFAULT-VALUE})")
    Recipe recipe;

    @Option(names = "--pseudo-anomalies", description = "add pseudo-anomalies made from the good images (needed for a good-only data set)")
    boolean pseudoAnomalies;

    @Option(names = "--pseudo-per-class", defaultValue = "0", description = "pseudo-anomalies per class (default: as many as the largest class has good images)")
    int pseudoPerClass;

    @Option(names = "--out", required = true, description = "bundle directory to write, e.g. models/<name>/<version> in the model repository")
    Path out;

    @Option(names = "--name", description = "model name in the manifest (default: parent directory name)")
    String name;

    @Option(names = "--version", description = "model version in the manifest (default: output directory name)")
    String version;

    @Option(names = "--cache", description = "feature cache directory (default: ~/.cache/anomaly-appliance)")
    Path cache;

    @Option(names = "--cache-max-gb", defaultValue = "16", description = "bound of the feature cache in GiB (default: ${DEFAULT-VALUE})")
    double cacheMaxGb;

    @Option(names = "--threads", description = "ONNX Runtime threads of the feature extraction and validation (default: all cores)")
    Integer threads;

    @Option(names = "--torch-threads", description = "libtorch threads of the optimiser steps (default: 1, the fastest on a "
            + "busy box; try 2 on an idle one)")
    Integer torchThreads;

    @Option(names = "--device", defaultValue = "auto",
            description = "where libtorch trains: auto (CUDA when libtorch sees a GPU, needs the pytorch GPU natives), cpu or cuda (default: ${DEFAULT-VALUE})")
    String device;

    @Option(names = "--precision", defaultValue = "fp32", converter = ExportCommand.PrecisionConverter.class,
            description = "precision of the feature graph and of the bundle written (as export --precision; int8 runs on ONNX Runtime);"
                    + " use the precision of the bundle whose prompt learner you start from (default: ${DEFAULT-VALUE})")
    dev.anomalyedge.graph.Precision precision;

    @Option(names = "--engine", defaultValue = "auto", converter = EngineModeConverter.class,
            description = "vision engine for feature extraction and validation: auto (TensorRT where a GPU and its natives are present,"
                    + " building the plan if needed, else ONNX Runtime), tensorrt or onnxruntime (default: ${DEFAULT-VALUE})")
    EngineMode engine;

    @Option(names = "--engine-batch", defaultValue = "1", description = "images per vision-engine call while extracting features (default: ${DEFAULT-VALUE})")
    int engineBatch;

    @Option(names = "--no-train-metrics", description = "skip the training-set metrics before and after training")
    boolean noTrainMetrics;

    @Option(names = "--val-data", description = "validation data set: evaluate the new bundle on it and calibrate its thresholds")
    Path valData;

    @Option(names = "--target-false-alarm-rate", description = "calibrate from the good validation images for this false-alarm rate")
    Double targetFalseAlarmRate;

    @Option(names = "--target-recall", description = "calibrate for this fraction of anomalies flagged")
    Double targetRecall;

    @Override
    public Integer call() throws Exception {
        TrainRequest.Builder b = TrainRequest.builder(clip, model.settings(), data, out)
                .prompts(prompts).bpe(bpe).heads(model.visionHeads, model.textHeads).format(format)
                .pseudoAnomalies(pseudoAnomalies).pseudoPerClass(pseudoPerClass)
                .trainer(new PromptTrainer.Options(epochs, batchSize, lr, seed, recipe))
                .name(name).version(version)
                .cache(cache != null ? cache : TrainRequest.defaultCacheDir(), (long) (cacheMaxGb * (1L << 30)))
                .engineBatch(engineBatch).trainSetMetrics(!noTrainMetrics).device(device).engine(engine).precision(precision)
                .validation(valData, Calibrator.Options.of(null, targetFalseAlarmRate, targetRecall));
        if (threads != null) b.threads(threads);
        if (torchThreads != null) b.torchThreads(torchThreads);
        Training.Outcome o = Training.run(b.build(), new ProgressPrinter(Console::info, 2.0), Console::info, () -> false);
        if (o.after() != null) System.out.print(o.after().toMarkdown());
        if (o.validation() != null) {
            System.out.println("validation:");
            System.out.print(o.validation().toMarkdown());
        }
        Console.info(String.format(Locale.ROOT, "trained bundle %s %s written to %s in %.1f s", o.bundle().name(), o.bundle().version(),
                o.bundle().dir(), o.seconds()));
        return 0;
    }

    /** Prints progress lines at most every {@code seconds}, and always on a phase change or an epoch's last step. */
    static final class ProgressPrinter implements Consumer<TrainingProgress> {
        private final Consumer<String> out;
        private final long intervalNanos;
        private long last;
        private TrainingProgress.Phase phase;

        ProgressPrinter(Consumer<String> out, double seconds) {
            this.out = out;
            this.intervalNanos = (long) (seconds * 1e9);
        }

        @Override
        public void accept(TrainingProgress p) {
            long now = System.nanoTime();
            boolean epochEnd = p.phase() == TrainingProgress.Phase.TRAINING && p.totalSteps() > 0 && p.epochs() > 0
                    && p.step() % (p.totalSteps() / p.epochs()) == 0;
            if (p.phase() != phase || epochEnd || p.done() == p.total() || now - last >= intervalNanos) {
                out.accept(p.describe());
                last = now;
                phase = p.phase();
            }
        }
    }

    static final class EngineModeConverter implements ITypeConverter<EngineMode> {
        @Override
        public EngineMode convert(String value) {
            return EngineMode.parse(value);
        }
    }

    static final class FormatConverter implements ITypeConverter<Format> {
        @Override
        public Format convert(String value) {
            try {
                return Format.valueOf(value.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown data set format '" + value + "': use mvtec, visa, meta, folder or auto");
            }
        }
    }

    static final class RecipeConverter implements ITypeConverter<Recipe> {
        @Override
        public Recipe convert(String value) {
            try {
                return Recipe.valueOf(value.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown recipe '" + value + "': use official or mission");
            }
        }
    }
}
