package dev.anomalyedge.cli;

import io.quarkus.runtime.Quarkus;
import picocli.CommandLine.Command;

/** Serves until stopped (SIGTERM/SIGINT): REST API, model, MQTT. The default when no command is given. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Serve the inspection API (the default with no command). Configure with appliance.* settings.")
public class ServeCommand implements Runnable {
    @Override
    public void run() {
        Quarkus.waitForExit();
    }
}
