package dev.anomalyedge.cli;

import io.quarkus.picocli.runtime.PicocliRunner;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;

/**
 * Entry point. With no arguments (or {@code serve}) the appliance serves: HTTP API, model, MQTT. With a command
 * ({@code export}, {@code inspect}, …) it runs that command only: the HTTP listener and the service are switched off so
 * a command never collides with a running appliance on the same box.
 */
@QuarkusMain
public class Main {
    public static void main(String... args) {
        boolean serve = args.length == 0 || args[0].equals("serve");
        if (!serve) {
            System.setProperty(dev.anomalyedge.service.Appliance.COMMAND_MODE, "true");
            System.setProperty("quarkus.http.host-enabled", "false");
            System.setProperty("quarkus.banner.enabled", "false");
            System.setProperty("quarkus.log.console.level", System.getProperty("quarkus.log.console.level", "WARN"));
        }
        Quarkus.run(PicocliRunner.class, args);
    }
}
