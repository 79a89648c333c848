package dev.anomalyedge.deploy;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.anomalyedge.deploy.DeployFiles.at;
import static dev.anomalyedge.deploy.DeployFiles.listAt;
import static dev.anomalyedge.deploy.DeployFiles.map;
import static dev.anomalyedge.deploy.DeployFiles.mapAt;
import static dev.anomalyedge.deploy.DeployFiles.str;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** deploy/compose: the appliance and a Mosquitto broker that agree on host, port, credentials, volumes and topics. */
class ComposeFilesTest {
    static final String COMPOSE = "deploy/compose/docker-compose.yml";
    static final String GPU = "deploy/compose/docker-compose.gpu.yml";

    private static Map<String, Object> compose() {
        return DeployFiles.yaml(COMPOSE);
    }

    private static Map<String, Object> service(Map<String, Object> compose, String name) {
        return mapAt(compose, "services", name);
    }

    private static Map<String, Object> env(Map<String, Object> service) {
        return map(service.get("environment"), "environment");
    }

    /** "source:target[:mode]" volume entries of a service → target → source. */
    private static Map<String, String> mounts(Map<String, Object> service) {
        Map<String, String> out = new java.util.LinkedHashMap<>();
        for (Object v : DeployFiles.list(service.get("volumes"), "volumes")) {
            String[] parts = str(v).split(":");
            out.put(parts[1], parts[0]);
        }
        return out;
    }

    private static MosquittoConf mosquittoConf() {
        return MosquittoConf.parse(DeployFiles.read("deploy/compose/mosquitto/mosquitto.conf"));
    }

    @Test
    void applianceEnvironmentNamesRealSettings() {
        Map<String, Object> env = env(service(compose(), "appliance"));
        for (String name : env.keySet()) {
            if (ApplianceSettings.looksLikeSetting(name)) {
                assertTrue(ApplianceSettings.isSetting(name), COMPOSE + ": " + name + " is not a setting of the appliance");
            }
        }
        assertEquals("true", str(env.get("APPLIANCE_MQTT_ENABLED")));
        assertTrue(str(env.get("JAVA_OPTS")).contains(DockerfilesTest.CACHE_DIR_OPTION), "JAVA_OPTS keeps JavaCPP's cache dir");
    }

    @Test
    void applianceReachesTheBrokerItStartsWith() {
        Map<String, Object> compose = compose();
        Map<String, Object> env = env(service(compose, "appliance"));
        String host = str(env.get("APPLIANCE_MQTT_HOST"));
        assertTrue(mapAt(compose, "services").containsKey(host), "APPLIANCE_MQTT_HOST=" + host + " is no service");
        MosquittoConf conf = mosquittoConf();
        assertTrue(conf.listenerPorts().contains(Integer.parseInt(str(env.get("APPLIANCE_MQTT_PORT")))),
                "APPLIANCE_MQTT_PORT must be a listener of mosquitto.conf " + conf.listenerPorts());
        assertEquals("false", conf.value("allow_anonymous").orElseThrow(), "the broker requires credentials");

        // the appliance and the broker take the same credentials from .env
        Map<String, Object> broker = env(service(compose, host));
        assertEquals(variable(str(env.get("APPLIANCE_MQTT_USERNAME"))), variable(str(broker.get("MQTT_USERNAME"))));
        assertEquals(variable(str(env.get("APPLIANCE_MQTT_PASSWORD"))), variable(str(broker.get("MQTT_PASSWORD"))));

        // both on a network of their own with no route out
        Map<String, Object> networks = mapAt(compose, "networks");
        List<Object> brokerNets = listAt(service(compose, host), "networks");
        boolean sharedInternal = listAt(service(compose, "appliance"), "networks").stream().filter(brokerNets::contains)
                .map(n -> networks.get(str(n)))
                .anyMatch(def -> def instanceof Map<?, ?> m && Boolean.TRUE.equals(m.get("internal")));
        assertTrue(sharedInternal, "appliance and broker must share an internal network");
    }

    /** The variable a compose value is taken from: "${MQTT_PASSWORD:?…}" → MQTT_PASSWORD. */
    private static String variable(String value) {
        Matcher m = Pattern.compile("\\$\\{([A-Z0-9_]+)").matcher(value);
        assertTrue(m.find(), "expected a ${VARIABLE} from .env, found " + value);
        return m.group(1);
    }

    @Test
    void stateDirectoriesAreOnNamedVolumes() {
        Map<String, Object> compose = compose();
        Map<String, Object> appliance = service(compose, "appliance");
        Map<String, Object> env = env(appliance);
        Map<String, String> mounts = mounts(appliance);
        Set<String> declared = mapAt(compose, "volumes").keySet();
        for (String setting : List.of("APPLIANCE_MODELS_DIR", "APPLIANCE_MQTT_QUEUE_DIR")) {
            String dir = str(env.get(setting));
            assertTrue(mounts.containsKey(dir), setting + "=" + dir + " is not a mount point " + mounts.keySet());
            assertTrue(declared.contains(mounts.get(dir)), dir + " must be a named volume, found " + mounts.get(dir));
        }
        // the image declares the same directories
        Map<String, String> imageEnv = DockerfilesTest.env(Dockerfile.parse("jvm", DeployFiles.read("deploy/docker/Dockerfile.jvm")));
        assertEquals(imageEnv.get("APPLIANCE_MODELS_DIR"), str(env.get("APPLIANCE_MODELS_DIR")));
        assertEquals(imageEnv.get("APPLIANCE_MQTT_QUEUE_DIR"), str(env.get("APPLIANCE_MQTT_QUEUE_DIR")));
    }

    /**
     * Every folder the appliance writes ({@link WriteLocations}) is writable, and the folders of settings (models, MQTT
     * queue, training cache) are named volumes: state must outlive the container, and a 16 GiB feature cache must not
     * grow the container's own layer. JavaCPP's cache and /tmp may stay in the container while its root is writable.
     */
    @Test
    void everyFolderTheApplianceWritesIsWritableAndSettingsFoldersAreNamedVolumes() {
        Map<String, Object> compose = compose();
        Map<String, Object> appliance = service(compose, "appliance");
        Map<String, String> env = new java.util.HashMap<>();
        env(appliance).forEach((k, v) -> env.put(k, str(v)));
        Map<String, String> mounts = mounts(appliance);
        Set<String> declared = mapAt(compose, "volumes").keySet();
        boolean rootWritable = !Boolean.TRUE.equals(appliance.get("read_only"));
        List<String> tmpfs = appliance.get("tmpfs") == null ? List.of()
                : DeployFiles.list(appliance.get("tmpfs"), "tmpfs").stream().map(t -> str(t).split(":")[0]).toList();
        WriteLocations.of(env, COMPOSE).forEach((what, dir) -> {
            String target = mounts.keySet().stream().filter(t -> WriteLocations.within(dir, t)).findFirst().orElse(null);
            if (what.startsWith("appliance.")) {
                assertTrue(target != null && declared.contains(mounts.get(target)), COMPOSE + ": " + what + " = " + dir
                        + " must be on a named volume, mounts: " + mounts);
            } else {
                assertTrue(target != null || rootWritable || tmpfs.stream().anyMatch(t -> WriteLocations.within(dir, t)),
                        COMPOSE + ": " + what + " = " + dir + " is not writable (read_only root and no volume)");
            }
        });
    }

    /** Production compose never comes up serving the synthetic demo model from an empty models volume. */
    @Test
    void anEmptyModelsVolumeDoesNotServeTheDemo() {
        assertEquals("false", str(env(service(compose(), "appliance")).get(ApplianceSettings.envName("appliance.models.demo-if-empty"))));
    }

    @Test
    void portAndHealthCheckMatchTheHttpListener() {
        Map<String, Object> appliance = service(compose(), "appliance");
        int port = ApplianceSettings.httpPort();
        List<Object> ports = listAt(appliance, "ports");
        assertTrue(ports.stream().map(DeployFiles::str).anyMatch(p -> p.endsWith(":" + port)),
                "a published port must map to container port " + port + ", found " + ports);
        assertEquals(String.valueOf(port), str(env(appliance).get("QUARKUS_HTTP_PORT")));
        List<Object> test = listAt(appliance, "healthcheck", "test");
        assertTrue(test.contains("http://localhost:" + port + ApplianceSettings.livenessPath()),
                "healthcheck must ask " + ApplianceSettings.livenessPath() + " on " + port + ", found " + test);
        assertTrue(str(appliance.get("stop_grace_period")) != null, "give the appliance time to stop in order");
    }

    @Test
    void brokerConfigParsesAndPersistsOnItsVolume() {
        MosquittoConf conf = mosquittoConf();
        assertEquals("true", conf.value("persistence").orElseThrow());
        Map<String, Object> broker = service(compose(), "mosquitto");
        assertTrue(str(broker.get("image")).startsWith("eclipse-mosquitto:2"), "Mosquitto 2");
        Map<String, String> mounts = mounts(broker);
        assertEquals("./mosquitto/mosquitto.conf", mounts.get("/mosquitto/config/mosquitto.conf"),
                "the project's mosquitto.conf must be mounted where the image reads it");
        Set<String> declared = mapAt(compose(), "volumes").keySet();
        for (String file : List.of(conf.value("persistence_location").orElseThrow(), conf.value("password_file").orElseThrow())) {
            assertTrue(mounts.entrySet().stream().anyMatch(m -> file.startsWith(m.getKey()) && declared.contains(m.getValue())),
                    file + " must lie on a named volume of the broker");
        }
        String command = String.join(" ", DeployFiles.list(broker.get("command"), "command").stream().map(DeployFiles::str).toList());
        assertTrue(command.contains("mosquitto_passwd") && command.contains(conf.value("password_file").orElseThrow()),
                "the broker's command must write the password file mosquitto.conf names");
        assertTrue(command.contains("-c /mosquitto/config/mosquitto.conf"), "the broker must run with the mounted config");
    }

    @Test
    void exampleSubscriberListensToTheAppliancesTopics() {
        Map<String, Object> compose = compose();
        Map<String, Object> sub = service(compose, "subscriber");
        String command = String.join(" ", DeployFiles.list(sub.get("command"), "command").stream().map(DeployFiles::str).toList());
        String prefix = str(env(service(compose, "appliance")).get("APPLIANCE_MQTT_TOPIC_PREFIX"));
        assertTrue(command.contains("mosquitto_sub") && command.contains("-t '" + prefix + "/#'"),
                "the subscriber must take " + prefix + "/#, found: " + command);
        assertTrue(command.contains("-h " + str(env(service(compose, "appliance")).get("APPLIANCE_MQTT_HOST"))));
    }

    @Test
    void everyRequiredVariableIsInTheExampleEnvFile() throws Exception {
        Set<String> defined = new HashSet<>();
        for (String line : DeployFiles.read("deploy/compose/.env.example").lines().toList()) {
            if (!line.isBlank() && !line.startsWith("#")) defined.add(line.substring(0, line.indexOf('=')));
        }
        for (String file : List.of(COMPOSE, GPU)) {
            Matcher m = Pattern.compile("\\$\\{([A-Z0-9_]+)(:?[-?])?").matcher(DeployFiles.read(file));
            while (m.find()) {
                boolean hasDefault = m.group(2) != null && m.group(2).endsWith("-");
                assertTrue(hasDefault || defined.contains(m.group(1)), file + ": ${" + m.group(1) + "} is not in .env.example");
            }
        }
        assertTrue(Files.isRegularFile(DeployFiles.root().resolve("deploy/compose/.env.example")));
    }

    @Test
    void gpuOverrideReservesAnNvidiaGpuAndBuildsTheGpuImage() {
        Map<String, Object> appliance = mapAt(DeployFiles.yaml(GPU), "services", "appliance");
        List<Object> devices = listAt(appliance, "deploy", "resources", "reservations", "devices");
        Map<String, Object> gpu = map(devices.get(0), "devices[0]");
        assertEquals("nvidia", str(gpu.get("driver")));
        assertTrue(DeployFiles.list(gpu.get("capabilities"), "capabilities").contains("gpu"));
        String dockerfile = str(at(appliance, "build", "dockerfile"));
        assertTrue(Files.isRegularFile(DeployFiles.root().resolve(dockerfile)), dockerfile + " does not exist");
        assertTrue(dockerfile.endsWith("Dockerfile.gpu"));
        // the override only adds to the base service: every service it names exists there
        assertTrue(mapAt(compose(), "services").keySet().containsAll(mapAt(DeployFiles.yaml(GPU), "services").keySet()));
        String baseDockerfile = str(at(service(compose(), "appliance"), "build", "dockerfile"));
        assertTrue(Files.isRegularFile(DeployFiles.root().resolve(baseDockerfile)), baseDockerfile + " does not exist");
        Path context = DeployFiles.root().resolve("deploy/compose").resolve(str(at(service(compose(), "appliance"), "build", "context")));
        assertTrue(Files.isRegularFile(context.resolve("pom.xml")), "the build context must be the project root");
    }
}
