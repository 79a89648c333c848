package dev.anomalyedge.cli;

import dev.anomalyedge.training.TrainingBenchmark;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * Measures what a training run costs on this machine, without a data set: feature extraction with the full vision
 * graph (images/s), reading a batch from the float16 feature cache, and optimiser steps with the full text encoder
 * (steps/s), then the implied time of the official run (15 epochs, batch 8) over a data set of a given size. Uses a
 * random CLIP of the chosen architecture (untrained weights cost the same as real ones). A measurement, not a test:
 * the work is {@link TrainingBenchmark}'s; this command reads the options and prints its lines.
 */
@Command(name = "benchmark-training", mixinStandardHelpOptions = true,
        description = "Time feature extraction and prompt-tuning steps on this CPU and print the implied time of a full training run.")
public class BenchmarkTrainingCommand implements Callable<Integer> {
    @Option(names = "--arch", defaultValue = "vit-l-14-336", converter = RandomClipCommand.ArchConverter.class,
            description = "vit-l-14-336 (full size, official settings: 518 px, taps 6,12,18,24) or demo (default: ${DEFAULT-VALUE})")
    RandomClipCommand.Arch arch;

    @Option(names = "--clip", description = "CLIP checkpoint to use instead of generating a random one (must match --arch)")
    Path clip;

    @Option(names = "--work", defaultValue = "bench-training", description = "working directory: random CLIP, feature graph, cache (default: ${DEFAULT-VALUE})")
    Path work;

    @Option(names = "--images", defaultValue = "2", description = "images to extract features of (default: ${DEFAULT-VALUE})")
    int images;

    @Option(names = "--steps", defaultValue = "3", description = "timed training steps after one warm-up step (default: ${DEFAULT-VALUE})")
    int steps;

    @Option(names = "--batch-size", defaultValue = "8", description = "images per training step (default: ${DEFAULT-VALUE})")
    int batchSize;

    @Option(names = "--epochs", defaultValue = "15", description = "epochs of the implied run (default: ${DEFAULT-VALUE})")
    int epochs;

    @Option(names = "--dataset-size", defaultValue = "1725", description = "images of the implied run (default: ${DEFAULT-VALUE})")
    int datasetSize;

    @Option(names = "--threads", description = "CPU threads (default: all cores)")
    Integer threads;

    @Option(names = "--random-features", description = "time the training steps on random features of the right shapes:"
            + " no vision graph, no extraction (minutes less at full size; the step costs the same)")
    boolean randomFeatures;

    @Override
    public Integer call() throws Exception {
        TrainingBenchmark.run(options(), System.out::println, Console::info);
        return 0;
    }

    /** The parsed options as the benchmark's; threads default to all cores. */
    TrainingBenchmark.Options options() {
        TrainingBenchmark.Arch a = arch == RandomClipCommand.Arch.vit_l_14_336 ? TrainingBenchmark.Arch.VIT_L_14_336 : TrainingBenchmark.Arch.DEMO;
        int n = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        return new TrainingBenchmark.Options(a, clip, work, images, steps, batchSize, epochs, datasetSize, n, randomFeatures);
    }
}
