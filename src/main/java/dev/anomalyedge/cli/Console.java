package dev.anomalyedge.cli;

/** Progress lines for the operator, on stderr so stdout stays clean for data. */
final class Console {
    private Console() {}

    static void info(String line) {
        System.err.println(line);
    }
}
