package dev.anomalyedge.deploy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A {@code java [options] -jar <jar> [arguments]} command line split into its parts, so that the container entry
 * point, the systemd unit and the README can be compared: each must start the same jar, with no subcommand (serve).
 */
record JavaCommand(String java, List<String> options, String jar, List<String> arguments) {

    /** The README's run command: the whole quarkus-app folder, its quarkus-run.jar. */
    static final String JAR_SUFFIX = "/quarkus-app/quarkus-run.jar";

    static JavaCommand parse(String line) {
        List<String> words = new ArrayList<>(Arrays.asList(line.trim().split("\\s+")));
        if (!words.isEmpty() && words.get(0).equals("exec")) words.remove(0);
        assertTrue(words.size() >= 3, "not a java command: " + line);
        String java = words.get(0);
        assertTrue(java.equals("java") || java.endsWith("/java") || java.endsWith("/bin/java"),
                "the command must start java, found '" + java + "' in: " + line);
        int jarFlag = words.indexOf("-jar");
        assertTrue(jarFlag > 0 && jarFlag + 1 < words.size(), "no '-jar <file>' in: " + line);
        return new JavaCommand(java, List.copyOf(words.subList(1, jarFlag)), words.get(jarFlag + 1),
                List.copyOf(words.subList(jarFlag + 2, words.size())));
    }

    /** Starts the packaged application in serve mode: the quarkus-app jar and no subcommand. */
    void assertServesTheApplication(String where) {
        assertTrue(jar.endsWith(JAR_SUFFIX), where + ": runs " + jar + ", expected .../quarkus-app/quarkus-run.jar");
        assertEquals(List.of(), arguments.stream().filter(a -> !a.equals("\"$@\"")).toList(),
                where + ": no subcommand may follow the jar (no arguments = serve)");
    }
}
