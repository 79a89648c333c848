package dev.anomalyedge.deploy;

import dev.anomalyedge.cli.ApplianceCommand;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The guides (README.md, deploy/README.md) against what the files do: their Maven commands use profiles the pom
 * defines, their appliance commands and options parse, the serve command is the one the images and the unit run, the
 * settings they name exist, the JVM options the deployment files set are explained, and the paths they name exist. No
 * assertion is about wording.
 */
class DeploymentReadmeTest {
    static final String README = "deploy/README.md", PROJECT_README = "README.md";
    static final List<String> GUIDES = List.of(PROJECT_README, README);

    /** {@code ./mvnw …} up to the end of the line, a backtick, a {@code #} comment or a {@code &&}. */
    private static final Pattern MAVEN = Pattern.compile("\\./mvnw((?: [^`#&\\n]+)?)");
    /** {@code java -jar target/quarkus-app/quarkus-run.jar …} up to the end of the line, a backtick or a comment. */
    private static final Pattern APPLIANCE = Pattern.compile("java -jar \\S*quarkus-run\\.jar((?: [^`#\\n]*)?)");
    private static final Pattern JVM_OPTION = Pattern.compile("-D([a-z][a-zA-Z0-9._-]*)=");

    @Test
    void mavenCommandsUsePhasesAndProfilesThatExist() {
        Set<String> profiles = pomProfiles();
        Set<String> phases = Set.of("clean", "compile", "test-compile", "test", "package", "verify", "install");
        int commands = 0;
        for (String guide : GUIDES) {
            Matcher m = MAVEN.matcher(DeployFiles.read(guide));
            while (m.find()) {
                commands++;
                for (String word : m.group(1).trim().split("\\s+")) {
                    if (word.startsWith("-P")) {
                        for (String p : word.substring(2).split(",")) {
                            assertTrue(profiles.contains(p), guide + ": '" + m.group() + "' names profile " + p + "; the pom has " + profiles);
                        }
                    } else if (!word.startsWith("-") && !word.isEmpty() && !word.contains(":")) {
                        assertTrue(phases.contains(word), guide + ": '" + m.group() + "' runs '" + word + "', not a lifecycle phase");
                    }
                }
            }
        }
        assertTrue(commands >= 3, "the guides show how to build, test and build native");
    }

    @Test
    void theServeCommandIsTheOneTheImagesAndTheUnitRun() {
        for (String guide : GUIDES) {
            List<String> serve = new ArrayList<>();
            Matcher m = APPLIANCE.matcher(DeployFiles.read(guide));
            while (m.find()) if (m.group(1).isBlank()) serve.add(m.group().strip());
            assertFalse(serve.isEmpty(), guide + " shows how to start the appliance");
            for (String line : serve) JavaCommand.parse(line).assertServesTheApplication(guide);
        }
    }

    /** Every {@code java -jar …quarkus-run.jar COMMAND --option …} in the guides names a real command and its real options. */
    @Test
    void applianceCommandsAndTheirOptionsParse() {
        Map<String, CommandLine> commands = new CommandLine(new ApplianceCommand()).getSubcommands();
        int checked = 0;
        for (String guide : GUIDES) {
            Matcher m = APPLIANCE.matcher(DeployFiles.read(guide));
            while (m.find()) {
                List<String> words = Arrays.stream(m.group(1).trim().split("\\s+")).filter(w -> !w.isEmpty()).toList();
                if (words.isEmpty() || words.get(0).startsWith("<")) continue; // serve, or "<command> --help"
                CommandLine command = commands.get(words.get(0));
                assertTrue(command != null, guide + ": '" + m.group().strip() + "': no command " + words.get(0) + " in " + commands.keySet());
                for (String w : words) {
                    String option = w.replaceAll("^\\[", "").replaceAll("=.*", "");
                    if (option.startsWith("--")) {
                        assertTrue(command.getCommandSpec().optionsMap().containsKey(option),
                                guide + ": " + words.get(0) + " has no option " + option + " ('" + m.group().strip() + "')");
                    }
                }
                checked++;
            }
        }
        assertTrue(checked >= 5, "the guides show the export, inspect, evaluate, calibrate and load-test commands");
    }

    /** Every APPLIANCE_* variable the guide names is a real setting, and it documents every folder the service writes. */
    @Test
    void namesRealSettingsAndEveryFolderTheApplianceWrites() {
        String readme = DeployFiles.read(README);
        Matcher m = Pattern.compile("APPLIANCE_[A-Z0-9_]*[A-Z0-9]").matcher(readme);
        while (m.find()) {
            assertTrue(ApplianceSettings.isSetting(m.group()), README + " names " + m.group() + ", which is not a setting");
        }
        for (String setting : ApplianceSettings.writtenFolders()) {
            assertTrue(readme.contains(ApplianceSettings.envName(setting)), README + " must document " + setting);
        }
        assertTrue(readme.contains(ApplianceSettings.envName("appliance.models.demo-if-empty")), README + " must explain the demo setting");
    }

    /** Every JVM option the deployment files set (-Dname=…) is explained in the guide. */
    @Test
    void explainsEveryJvmOptionTheDeploymentFilesSet() throws Exception {
        Set<String> set = new TreeSet<>();
        try (Stream<Path> files = Files.walk(DeployFiles.path("deploy"))) {
            for (Path f : files.filter(Files::isRegularFile).filter(f -> !f.getFileName().toString().endsWith(".md")).toList()) {
                Matcher m = JVM_OPTION.matcher(Files.readString(f));
                while (m.find()) set.add(m.group(1));
            }
        }
        assertTrue(set.contains(DockerfilesTest.CACHE_DIR_OPTION.substring(2, DockerfilesTest.CACHE_DIR_OPTION.length() - 1)),
                "the deployment files place JavaCPP's cache: " + set);
        String readme = DeployFiles.read(README);
        for (String option : set) assertTrue(readme.contains("-D" + option + "="), README + " must explain -D" + option + ", set in deploy/");
    }

    /** Repository paths the guide names in backticks (src/…, deploy/…, tensorrt-build/…) exist. */
    @Test
    void thePathsItNamesExist() {
        Matcher m = Pattern.compile("`((?:src|deploy|tensorrt-build)/[^`*<>{}…\\s]+)`").matcher(DeployFiles.read(README));
        int paths = 0;
        while (m.find()) {
            String path = m.group(1).replaceAll("[:,.]$", "");
            assertTrue(Files.exists(DeployFiles.root().resolve(path)), README + " names " + path + ", which does not exist");
            paths++;
        }
        assertTrue(paths > 0, "the guide points at its files");
    }

    @Test
    void mentionsEveryFileUnderDeploy() throws Exception {
        String readme = DeployFiles.read(README);
        Path deploy = DeployFiles.path("deploy");
        try (Stream<Path> files = Files.walk(deploy)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                String name = f.getFileName().toString();
                if (name.equals("README.md")) continue;
                String documented = name.endsWith(".dockerignore") ? "Dockerfile.*.dockerignore" : name;
                assertTrue(readme.contains(documented), README + " does not mention " + deploy.relativize(f));
            }
        }
    }

    /** The profile ids of pom.xml. */
    static Set<String> pomProfiles() {
        Set<String> ids = new TreeSet<>();
        String pom = DeployFiles.read("pom.xml");
        Matcher profile = Pattern.compile("<profile>\\s*<id>([^<]+)</id>").matcher(pom);
        while (profile.find()) ids.add(profile.group(1).trim());
        assertFalse(ids.isEmpty(), "pom.xml defines profiles");
        return ids;
    }
}
