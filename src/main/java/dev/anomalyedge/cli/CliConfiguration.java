package dev.anomalyedge.cli;

import io.quarkus.picocli.runtime.PicocliCommandLineFactory;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import picocli.CommandLine;

/** Errors reach the operator as one clear line (exit code 2); set -Ddev.anomalyedge.debug=true for the stack trace. */
@ApplicationScoped
public class CliConfiguration {
    @Produces
    CommandLine commandLine(PicocliCommandLineFactory factory) {
        return factory.create().setExecutionExceptionHandler((ex, cl, parseResult) -> {
            cl.getErr().println("error: " + describe(ex));
            if (Boolean.getBoolean("dev.anomalyedge.debug")) ex.printStackTrace(cl.getErr());
            return 2;
        });
    }

    static String describe(Throwable t) {
        String m = t.getMessage();
        if (t instanceof OutOfMemoryError) return "out of memory (" + m + "); give the JVM more heap with -Xmx";
        if (m == null || m.isBlank()) m = t.getClass().getSimpleName();
        if (t.getCause() != null && t.getCause().getMessage() != null && !m.contains(t.getCause().getMessage())) {
            m += " (" + t.getCause().getMessage() + ")";
        }
        return m;
    }
}
