package dev.anomalyedge.cli;

import io.quarkus.picocli.runtime.annotations.TopCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

@TopCommand
@Command(name = "appliance", mixinStandardHelpOptions = true, version = "anomaly-appliance 0.1.0",
        description = "AnomalyCLIP zero-shot visual anomaly detection appliance.",
        subcommands = {ServeCommand.class, ExportCommand.class, InspectCommand.class, DemoCommand.class, RandomClipCommand.class,
                BenchmarkCommand.class, BuildEngineCommand.class, LoadTestCommand.class, TrainCommand.class,
                EvaluateCommand.class, CalibrateCommand.class, BenchmarkTrainingCommand.class,
                TrtParityCommand.class, RecipeCommand.class})
public class ApplianceCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** No command: serve. */
    @Override
    public void run() {
        new ServeCommand().run();
    }
}
