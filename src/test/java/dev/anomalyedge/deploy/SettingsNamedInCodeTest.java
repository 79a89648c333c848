package dev.anomalyedge.deploy;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every {@code appliance.*} setting that the code names in a message (errors, logs) is a real setting: an operator who
 * reads "appliance.mqtt.queue-dir must be set" and sets it would change nothing (the key is appliance.mqtt.queue.dir).
 */
class SettingsNamedInCodeTest {
    private static final Pattern NAMED = Pattern.compile("appliance\\.[a-z][a-z0-9.-]*[a-z0-9]");

    @Test
    void everySettingNamedInTheCodeExists() throws IOException {
        Set<String> settings = ApplianceSettings.properties().keySet();
        Set<String> unknown = new TreeSet<>();
        int named = 0;
        try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
            // ApplianceMetrics names meters (appliance.queue.depth, …), not settings
            for (Path f : files.filter(p -> p.toString().endsWith(".java") && !p.endsWith("ApplianceMetrics.java")).toList()) {
                Matcher m = NAMED.matcher(read(f));
                while (m.find()) {
                    String key = m.group();
                    named++;
                    boolean setting = settings.contains(key) || settings.stream().anyMatch(s -> s.startsWith(key + "."));
                    if (!setting) unknown.add(key + " (" + f.getFileName() + ")");
                }
            }
        }
        assertTrue(named > 20, "the code was read: " + named + " names found");
        assertEquals(Set.of(), unknown, "named in the code but no such setting");
    }

    private static String read(Path f) {
        try {
            return Files.readString(f);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
