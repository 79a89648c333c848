package dev.anomalyedge.deploy;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** deploy/systemd: the unit starts the README's command as a dedicated user, with state and cache where systemd keeps them. */
class SystemdUnitTest {
    static final String UNIT = "deploy/systemd/anomaly-appliance.service";
    static final String ENV = "deploy/systemd/appliance.env";

    /** section → key → values (a key may repeat, e.g. Environment=). */
    static Map<String, Map<String, List<String>>> parseUnit(String text) {
        Map<String, Map<String, List<String>>> sections = new LinkedHashMap<>();
        Map<String, List<String>> current = null;
        int n = 0;
        for (String raw : text.split("\n", -1)) {
            n++;
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#") || line.startsWith(";")) continue;
            if (line.startsWith("[")) {
                assertTrue(line.endsWith("]"), UNIT + " line " + n + ": bad section header");
                current = sections.computeIfAbsent(line.substring(1, line.length() - 1), s -> new LinkedHashMap<>());
                continue;
            }
            assertNotNull(current, UNIT + " line " + n + ": setting outside a section");
            int eq = line.indexOf('=');
            assertTrue(eq > 0, UNIT + " line " + n + ": not key=value: " + line);
            current.computeIfAbsent(line.substring(0, eq).strip(), k -> new ArrayList<>()).add(line.substring(eq + 1).strip());
        }
        return sections;
    }

    static Map<String, String> parseEnvFile(String text) {
        Map<String, String> env = new HashMap<>();
        for (String line : text.lines().map(String::strip).toList()) {
            if (line.isEmpty() || line.startsWith("#")) continue;
            int eq = line.indexOf('=');
            String value = line.substring(eq + 1);
            if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) value = value.substring(1, value.length() - 1);
            env.put(line.substring(0, eq), value);
        }
        return env;
    }

    private static Map<String, List<String>> service() {
        Map<String, List<String>> service = parseUnit(DeployFiles.read(UNIT)).get("Service");
        assertNotNull(service, "[Service] section");
        return service;
    }

    private static String one(Map<String, List<String>> section, String key) {
        List<String> values = section.get(key);
        assertNotNull(values, key + "= is missing");
        assertEquals(1, values.size(), key + "= given more than once");
        return values.get(0);
    }

    @Test
    void execStartIsTheReadmeCommandWithNoSubcommand() {
        JavaCommand cmd = JavaCommand.parse(one(service(), "ExecStart"));
        cmd.assertServesTheApplication(UNIT);
        assertTrue(cmd.java().startsWith("/"), "systemd needs an absolute path to java");
        assertEquals(List.of("$JAVA_OPTS"), cmd.options(), "options come from JAVA_OPTS (split into words by systemd)");
        // the container starts the very same jar layout and options
        JavaCommand container = DockerfilesTest.entrypointCommand();
        assertEquals(container.options(), cmd.options());
        assertEquals("/quarkus-app/quarkus-run.jar", cmd.jar().substring(cmd.jar().lastIndexOf("/quarkus-app/")));
    }

    @Test
    void runsAsADedicatedUserWithStateAndCacheDirectories() {
        Map<String, List<String>> s = service();
        String user = one(s, "User");
        assertNotEquals("root", user);
        assertFalse(user.isBlank());
        String state = one(s, "StateDirectory");
        String cache = one(s, "CacheDirectory");
        assertEquals("/var/lib/" + state, one(s, "WorkingDirectory"), "relative settings resolve against the state directory");
        assertTrue(one(s, "EnvironmentFile").endsWith("/appliance.env"));
        assertTrue(List.of("on-failure", "always").contains(one(s, "Restart")));

        Map<String, String> env = parseEnvFile(DeployFiles.read(ENV));
        for (String setting : List.of("APPLIANCE_MODELS_DIR", "APPLIANCE_MQTT_QUEUE_DIR")) {
            assertTrue(env.getOrDefault(setting, "").startsWith("/var/lib/" + state + "/"),
                    setting + " must live in the StateDirectory /var/lib/" + state);
        }
        String defaultOpts = one(s, "Environment").substring("JAVA_OPTS=".length());
        for (String opts : List.of(defaultOpts, env.get("JAVA_OPTS"))) {
            assertTrue(DockerfilesTest.javacppCacheDir(opts, UNIT).startsWith("/var/cache/" + cache + "/"),
                    "JavaCPP's cache must be in the CacheDirectory /var/cache/" + cache);
        }
    }

    /**
     * ProtectSystem=strict leaves only the state and cache directories (and the private /tmp) writable: every folder
     * the appliance writes ({@link WriteLocations}) must lie there, with the unit's JAVA_OPTS and with the env file's.
     */
    @Test
    void everyFolderTheApplianceWritesIsWritableUnderProtectSystemStrict() {
        Map<String, List<String>> s = service();
        assertEquals("strict", one(s, "ProtectSystem"));
        List<String> writable = new ArrayList<>(List.of("/var/lib/" + one(s, "StateDirectory"), "/var/cache/" + one(s, "CacheDirectory")));
        if ("yes".equals(one(s, "PrivateTmp"))) writable.addAll(List.of("/tmp", "/var/tmp"));
        for (String paths : s.getOrDefault("ReadWritePaths", List.of())) writable.addAll(List.of(paths.split("\\s+")));

        Map<String, String> env = parseEnvFile(DeployFiles.read(ENV));
        Map<String, String> unitDefaults = new HashMap<>(env);
        unitDefaults.put("JAVA_OPTS", one(s, "Environment").substring("JAVA_OPTS=".length()));
        for (Map<String, String> e : List.of(env, unitDefaults)) {
            WriteLocations.of(e, ENV).forEach((what, dir) -> assertTrue(writable.stream().anyMatch(w -> WriteLocations.within(dir, w)),
                    what + " = " + dir + " is not writable under ProtectSystem=strict (writable: " + writable + ")"));
        }
    }

    /** The production service never comes up serving the synthetic demo model from an empty repository. */
    @Test
    void anEmptyRepositoryDoesNotServeTheDemo() {
        assertEquals("false", parseEnvFile(DeployFiles.read(ENV)).get(ApplianceSettings.envName("appliance.models.demo-if-empty")));
    }

    @Test
    void environmentFileNamesRealSettings() {
        Map<String, String> env = parseEnvFile(DeployFiles.read(ENV));
        env.keySet().stream().filter(ApplianceSettings::looksLikeSetting).forEach(name ->
                assertTrue(ApplianceSettings.isSetting(name), ENV + ": " + name + " is not a setting of the appliance"));
        assertEquals(String.valueOf(ApplianceSettings.httpPort()), env.get("QUARKUS_HTTP_PORT"));
    }

    @Test
    void hardeningKeepsTheJitAndJniWorking() {
        Map<String, List<String>> s = service();
        assertFalse(s.containsKey("MemoryDenyWriteExecute"), "the JIT and JNI libraries need writable+executable memory");
        assertFalse(s.containsKey("SystemCallFilter"), "native libraries' system calls were not audited");
        assertEquals("yes", one(s, "NoNewPrivileges"));
        assertEquals("strict", one(s, "ProtectSystem"));
        assertTrue(Integer.parseInt(one(s, "TimeoutStopSec").replace("s", "")) >= 30, "time to stop in order");
        assertTrue(one(s, "RestrictAddressFamilies").contains("AF_INET"));
        assertNotNull(parseUnit(DeployFiles.read(UNIT)).get("Install"), "[Install] so that it can be enabled");
    }
}
