package dev.anomalyedge.deploy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.anomalyedge.deploy.Dockerfile.Instruction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The container images: non-root, health-checked, started by the README's command, state on volumes. */
class DockerfilesTest {
    static final String ENTRYPOINT_SCRIPT = "deploy/docker/entrypoint.sh";
    static final String CACHE_DIR_OPTION = "-Dorg.bytedeco.javacpp.cachedir=";

    private static Dockerfile load(String file) {
        return Dockerfile.parse(file, DeployFiles.read("deploy/docker/" + file));
    }

    /** ENV instructions of the shipped stage as name → value (quotes removed). */
    static Map<String, String> env(Dockerfile d) {
        Map<String, String> env = new LinkedHashMap<>();
        Pattern pair = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)=(\"([^\"]*)\"|(\\S*))");
        for (Instruction i : d.all("ENV", d.finalStage())) {
            Matcher m = pair.matcher(i.args());
            while (m.find()) env.put(m.group(1), m.group(3) != null ? m.group(3) : m.group(4));
        }
        return env;
    }

    /** The numeric user the image runs as ({@code USER uid[:gid]}). */
    static int user(Dockerfile d) {
        Instruction user = d.last("USER", d.finalStage()).orElseThrow(() -> new AssertionError(d.name() + " has no USER"));
        String uid = user.args().split(":")[0];
        assertTrue(uid.matches("\\d+"), d.name() + ": USER must be numeric so Kubernetes' runAsNonRoot can check it, found " + uid);
        return Integer.parseInt(uid);
    }

    @ParameterizedTest
    @ValueSource(strings = {"Dockerfile.jvm", "Dockerfile.gpu"})
    void runsAsANonRootUser(String file) {
        Dockerfile d = load(file);
        assertNotEquals(0, user(d), file + " runs as root");
        // the user must come after the package installation, and stay in force until the entry point
        List<Instruction> stage = d.finalStage();
        int userAt = stage.indexOf(d.last("USER", stage).orElseThrow());
        int entryAt = stage.indexOf(d.last("ENTRYPOINT", stage).orElseThrow());
        assertTrue(userAt < entryAt, file + ": USER must precede ENTRYPOINT");
        assertTrue(stage.subList(userAt, stage.size()).stream()
                        .noneMatch(i -> i.keyword().equals("RUN") && i.args().contains("apt-get")),
                file + ": no package installation after dropping root");
    }

    @ParameterizedTest
    @ValueSource(strings = {"Dockerfile.jvm", "Dockerfile.gpu"})
    void healthCheckAsksTheLivenessEndpointOnTheHttpPort(String file) {
        Dockerfile d = load(file);
        Instruction hc = d.last("HEALTHCHECK", d.finalStage()).orElseThrow(() -> new AssertionError(file + " has no HEALTHCHECK"));
        String url = "http://localhost:" + ApplianceSettings.httpPort() + ApplianceSettings.livenessPath();
        assertTrue(hc.args().contains("CMD") && hc.args().contains("curl") && hc.args().contains(url),
                file + ": HEALTHCHECK must curl " + url + ", found: " + hc.args());
        assertTrue(d.all("RUN", d.finalStage()).stream().anyMatch(r -> r.args().contains("install") && r.args().contains("curl")),
                file + ": curl must be installed for the HEALTHCHECK");
        assertTrue(d.all("EXPOSE", d.finalStage()).stream().anyMatch(e -> e.args().equals(String.valueOf(ApplianceSettings.httpPort()))),
                file + ": EXPOSE " + ApplianceSettings.httpPort());
    }

    @ParameterizedTest
    @ValueSource(strings = {"Dockerfile.jvm", "Dockerfile.gpu"})
    void entryPointIsTheScriptThatRunsTheReadmeCommand(String file) throws Exception {
        Dockerfile d = load(file);
        List<Instruction> stage = d.finalStage();
        Instruction entry = d.last("ENTRYPOINT", stage).orElseThrow();
        List<?> exec = new ObjectMapper().readValue(entry.args(), List.class);
        assertEquals(List.of("/opt/appliance/entrypoint.sh"), exec, file + ": exec-form ENTRYPOINT with the script alone");
        assertTrue(d.all("CMD", stage).isEmpty(), file + ": a CMD would pass a subcommand; the default must be serve");
        assertTrue(d.all("COPY", stage).stream().anyMatch(c -> c.args().endsWith(ENTRYPOINT_SCRIPT + " /opt/appliance/entrypoint.sh")),
                file + " must copy " + ENTRYPOINT_SCRIPT + " to /opt/appliance/entrypoint.sh");

        JavaCommand cmd = entrypointCommand();
        cmd.assertServesTheApplication(ENTRYPOINT_SCRIPT);
        assertEquals(List.of("$JAVA_OPTS"), cmd.options(), "the entry point passes JAVA_OPTS and nothing else");
        String appDir = cmd.jar().substring(0, cmd.jar().length() - "/quarkus-run.jar".length());
        assertTrue(d.all("COPY", stage).stream().anyMatch(c -> c.args().startsWith("--from=build")
                        && c.args().endsWith("/target/quarkus-app " + appDir)),
                file + ": the whole target/quarkus-app folder must be copied to " + appDir);
    }

    /** The java line of entrypoint.sh. */
    static JavaCommand entrypointCommand() {
        String script = DeployFiles.read(ENTRYPOINT_SCRIPT);
        assertTrue(script.startsWith("#!/bin/sh"), "entrypoint.sh must be a POSIX sh script");
        List<String> javaLines = script.lines().map(String::strip)
                .filter(l -> !l.startsWith("#") && l.matches("(exec\\s+)?\\S*java\\s.*")).toList();
        assertEquals(1, javaLines.size(), "entrypoint.sh must hold exactly one java command line");
        assertTrue(javaLines.get(0).startsWith("exec "), "exec java, so the JVM gets SIGTERM directly (PID 1)");
        return JavaCommand.parse(javaLines.get(0));
    }

    @ParameterizedTest
    @ValueSource(strings = {"Dockerfile.jvm", "Dockerfile.gpu"})
    void settingsAreRealAndStateDirectoriesAreVolumes(String file) {
        Dockerfile d = load(file);
        Map<String, String> env = env(d);
        env.keySet().stream().filter(ApplianceSettings::looksLikeSetting).forEach(name ->
                assertTrue(ApplianceSettings.isSetting(name), file + ": ENV " + name + " is not an appliance/quarkus setting"));

        String models = env.get("APPLIANCE_MODELS_DIR");
        String queue = env.get("APPLIANCE_MQTT_QUEUE_DIR");
        assertTrue(models != null && queue != null, file + " must set APPLIANCE_MODELS_DIR and APPLIANCE_MQTT_QUEUE_DIR");
        String volumes = d.last("VOLUME", d.finalStage()).orElseThrow(() -> new AssertionError(file + " has no VOLUME")).args();
        assertTrue(volumes.contains("\"" + models + "\"") && volumes.contains("\"" + queue + "\""),
                file + ": VOLUME must hold " + models + " and " + queue + ", found " + volumes);
        assertEquals(String.valueOf(ApplianceSettings.httpPort()), env.get("QUARKUS_HTTP_PORT"));

        // the non-root user must own what it writes: the state dirs and the JavaCPP cache, created before VOLUME
        String cacheDir = javacppCacheDir(env.get("JAVA_OPTS"), file);
        String setup = String.join("\n", d.all("RUN", d.finalStage()).stream().map(Instruction::args).toList());
        for (String dir : List.of(models, queue, cacheDir)) {
            assertTrue(setup.contains("mkdir -p") && setup.contains(dir), file + ": " + dir + " must be created in the image");
        }
        assertTrue(setup.contains("chown -R ${UID}:${GID} /var/lib/appliance /var/cache/appliance")
                        && models.startsWith("/var/lib/appliance/") && queue.startsWith("/var/lib/appliance/")
                        && cacheDir.startsWith("/var/cache/appliance/"),
                file + ": the state and cache directories must be owned by the appliance user");
    }

    /**
     * Each image sets every folder the appliance writes ({@link WriteLocations}), creates it for the non-root user
     * (or leaves it in /tmp), declares the settings' folders as volumes, and does not serve the demo from an empty
     * models volume.
     */
    @ParameterizedTest
    @ValueSource(strings = {"Dockerfile.jvm", "Dockerfile.gpu"})
    void eachImagePreparesEveryFolderItWritesAndServesNoDemoByDefault(String file) {
        Dockerfile d = load(file);
        Map<String, String> env = env(d);
        String setup = String.join("\n", d.all("RUN", d.finalStage()).stream().map(Instruction::args).toList());
        String volumes = d.last("VOLUME", d.finalStage()).orElseThrow().args();
        WriteLocations.of(env, file).forEach((what, dir) -> {
            if (WriteLocations.within(dir, "/tmp")) return;
            assertTrue(setup.contains("mkdir -p") && setup.contains(dir), file + ": " + what + " = " + dir + " must be created");
            assertTrue(WriteLocations.within(dir, "/var/lib/appliance") || WriteLocations.within(dir, "/var/cache/appliance"),
                    file + ": " + what + " = " + dir + " must lie in a folder chowned to the appliance user");
            if (what.startsWith("appliance.")) {
                assertTrue(volumes.contains("\"" + dir + "\""), file + ": VOLUME must hold " + dir + ", found " + volumes);
            }
        });
        assertEquals("false", env.get(ApplianceSettings.envName("appliance.models.demo-if-empty")),
                file + ": an empty models volume must not serve the synthetic demo model");
    }

    static String javacppCacheDir(String javaOpts, String where) {
        assertTrue(javaOpts != null && javaOpts.contains(CACHE_DIR_OPTION),
                where + ": JAVA_OPTS must point JavaCPP's cache at a writable directory (" + CACHE_DIR_OPTION + "...)");
        String rest = javaOpts.substring(javaOpts.indexOf(CACHE_DIR_OPTION) + CACHE_DIR_OPTION.length());
        return rest.split("\\s+")[0];
    }

    @ParameterizedTest
    @ValueSource(strings = {"Dockerfile.jvm", "Dockerfile.gpu"})
    void buildContextLetsThroughEverythingTheBuildCopies(String file) {
        Dockerfile d = load(file);
        List<String> ignore = DeployFiles.read("deploy/docker/" + file + ".dockerignore").lines().map(String::strip)
                .filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        assertEquals("*", ignore.get(0), "allow-list: exclude everything, then name what the build needs");
        List<String> allowed = ignore.stream().filter(l -> l.startsWith("!")).map(l -> l.substring(1)).toList();
        for (Instruction copy : d.all("COPY", d.instructions())) {
            if (copy.args().startsWith("--from")) continue;
            String[] words = copy.args().replaceAll("--chmod=\\S+", "").strip().split("\\s+");
            for (int i = 0; i < words.length - 1; i++) {
                String source = words[i].replaceAll("/$", "");
                assertTrue(allowed.stream().anyMatch(a -> source.equals(a.replaceAll("/$", "")) || a.startsWith(source + "/")
                                || source.startsWith(a.replaceAll("/$", "") + "/")),
                        file + ": COPY " + source + " is excluded by " + file + ".dockerignore");
            }
        }
        assertFalse(allowed.contains("target/"), "the image builds from sources, not from a local target/");
    }

    @ParameterizedTest
    @ValueSource(strings = {"Dockerfile.jvm", "Dockerfile.gpu"})
    void buildRunsTheReadmeBuildCommand(String file) {
        Dockerfile d = load(file);
        assertTrue(d.all("RUN", d.instructions()).stream().anyMatch(r -> r.args().contains("./mvnw -B package -DskipTests")),
                file + " must build with the README's ./mvnw -B package -DskipTests");
    }
}
