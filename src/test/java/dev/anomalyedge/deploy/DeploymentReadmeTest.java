package dev.anomalyedge.deploy;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** deploy/README.md documents the same command as the project README, every file it ships, and the native check. */
class DeploymentReadmeTest {
    static final String README = "deploy/README.md";

    @Test
    void runCommandIsTheProjectReadmesWithNoSubcommand() {
        String projectReadme = DeployFiles.read("README.md");
        assertTrue(projectReadme.contains("./mvnw -B package -DskipTests") && projectReadme.contains("java -jar target/quarkus-app/quarkus-run.jar"),
                "the project README's build and run commands changed: update deploy/");
        List<String> serveLines = DeployFiles.read(README).lines().map(String::strip)
                .filter(l -> l.startsWith("java -jar target/quarkus-app/quarkus-run.jar")).toList();
        assertEquals(1, serveLines.size(), "deploy/README.md shows the serve command once");
        JavaCommand.parse(serveLines.get(0).replaceAll("#.*", "")).assertServesTheApplication(README);
    }

    @Test
    void documentsTheSourcesOnlyNativeBuildAndHowToFinishIt() {
        String readme = DeployFiles.read(README);
        assertTrue(readme.contains("./mvnw -B package -DskipTests -Pnative -Dquarkus.native.sources-only=true"));
        assertTrue(readme.contains("cd target/native-sources && native-image $(cat native-image.args)"));
        assertTrue(readme.contains("Mandrel 25"));
    }

    /** Every APPLIANCE_* variable the guide names is a real setting, and it documents every folder the service writes. */
    @Test
    void namesRealSettingsAndEveryFolderTheApplianceWrites() {
        String readme = DeployFiles.read(README);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("APPLIANCE_[A-Z0-9_]*[A-Z0-9]").matcher(readme);
        while (m.find()) {
            assertTrue(ApplianceSettings.isSetting(m.group()), README + " names " + m.group() + ", which is not a setting");
        }
        for (String setting : ApplianceSettings.writtenFolders()) {
            assertTrue(readme.contains(ApplianceSettings.envName(setting)), README + " must document " + setting);
        }
        assertTrue(readme.contains(ApplianceSettings.envName("appliance.models.demo-if-empty")), README + " must explain the demo setting");
        assertTrue(readme.contains("-Djava.io.tmpdir") && readme.contains(DockerfilesTest.CACHE_DIR_OPTION), README + " must document tmp and JavaCPP's cache");
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
}
