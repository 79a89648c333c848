package dev.anomalyedge.deploy;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static dev.anomalyedge.deploy.DeployFiles.at;
import static dev.anomalyedge.deploy.DeployFiles.list;
import static dev.anomalyedge.deploy.DeployFiles.listAt;
import static dev.anomalyedge.deploy.DeployFiles.map;
import static dev.anomalyedge.deploy.DeployFiles.mapAt;
import static dev.anomalyedge.deploy.DeployFiles.str;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** deploy/k8s: every manifest parses, and probes, ports, settings, volumes and the GPU overlay fit the application. */
class KubernetesManifestsTest {
    static final String BASE = "deploy/k8s/base";
    static final String GPU = "deploy/k8s/overlays/gpu";
    /** kind/name → manifest, from the base's kustomization resources. */
    static Map<String, Map<String, Object>> objects;

    @BeforeAll
    static void load() {
        objects = new HashMap<>();
        for (Object resource : listAt(DeployFiles.yaml(BASE + "/kustomization.yaml"), "resources")) {
            for (Map<String, Object> doc : DeployFiles.yamlDocuments(BASE + "/" + str(resource))) {
                assertNotNull(doc.get("apiVersion"), resource + ": apiVersion");
                String key = str(doc.get("kind")) + "/" + str(at(doc, "metadata", "name"));
                assertTrue(objects.put(key, doc) == null, "two manifests named " + key);
            }
        }
    }

    static Map<String, Object> object(String kind, String name) {
        Map<String, Object> o = objects.get(kind + "/" + name);
        assertNotNull(o, "no " + kind + " named " + name + " in " + BASE + " (have " + objects.keySet() + ")");
        return o;
    }

    static Map<String, Object> deployment() {
        return object("Deployment", "anomaly-appliance");
    }

    static Map<String, Object> container(Map<String, Object> deployment) {
        List<Object> containers = listAt(deployment, "spec", "template", "spec", "containers");
        assertEquals(1, containers.size(), "one container");
        return map(containers.get(0), "container");
    }

    /** Every setting the container receives: ConfigMap and Secret keys through envFrom, and env entries. */
    static Map<String, String> environment(Map<String, Object> container) {
        Map<String, String> env = new HashMap<>();
        for (Object from : list(container.get("envFrom"), "envFrom")) {
            Map<String, Object> ref = map(from, "envFrom[]");
            if (ref.containsKey("configMapRef")) {
                env.putAll(stringMap(mapAt(object("ConfigMap", str(at(ref, "configMapRef", "name"))), "data")));
            } else {
                env.putAll(stringMap(mapAt(object("Secret", str(at(ref, "secretRef", "name"))), "stringData")));
            }
        }
        for (Object e : list(container.get("env"), "env")) {
            Map<String, Object> entry = map(e, "env[]");
            env.put(str(entry.get("name")), str(entry.get("value")));
        }
        return env;
    }

    private static Map<String, String> stringMap(Map<String, Object> m) {
        Map<String, String> out = new HashMap<>();
        m.forEach((k, v) -> out.put(k, str(v)));
        return out;
    }

    /** Kubernetes quantity → bytes (Ki/Mi/Gi/Ti and k/M/G). */
    static long bytes(String quantity) {
        String[][] units = {{"Ki", "1024"}, {"Mi", "1048576"}, {"Gi", "1073741824"}, {"Ti", "1099511627776"},
                {"k", "1000"}, {"M", "1000000"}, {"G", "1000000000"}};
        for (String[] u : units) {
            if (quantity.endsWith(u[0])) {
                return Long.parseLong(quantity.substring(0, quantity.length() - u[0].length())) * Long.parseLong(u[1]);
            }
        }
        return Long.parseLong(quantity);
    }

    @Test
    void kustomizationListsEveryManifestOfTheBase() throws Exception {
        List<String> listed = listAt(DeployFiles.yaml(BASE + "/kustomization.yaml"), "resources").stream().map(DeployFiles::str).toList();
        try (Stream<Path> files = Files.list(DeployFiles.path(BASE))) {
            List<String> present = files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".yaml") && !n.equals("kustomization.yaml")).sorted().toList();
            assertEquals(present, listed.stream().sorted().toList(), "kustomization.yaml resources vs files in " + BASE);
        }
    }

    @Test
    void probesAskTheHealthEndpointsOnTheHttpPort() {
        Map<String, Object> c = container(deployment());
        int port = ApplianceSettings.httpPort();
        Map<String, Object> containerPort = map(listAt(c, "ports").get(0), "ports[0]");
        assertEquals(port, containerPort.get("containerPort"), "containerPort = quarkus.http.port");
        String portName = str(containerPort.get("name"));

        Map<String, String> expected = Map.of("startupProbe", ApplianceSettings.livenessPath(),
                "livenessProbe", ApplianceSettings.livenessPath(), "readinessProbe", ApplianceSettings.readinessPath());
        expected.forEach((probe, path) -> {
            Map<String, Object> get = mapAt(c, probe, "httpGet");
            assertEquals(path, str(get.get("path")), probe + " path");
            Object p = get.get("port");
            assertTrue(p.equals(port) || str(p).equals(portName), probe + " port " + p + " is not the container's " + port);
        });
    }

    @Test
    void startupProbeLeavesTimeForWarmUpAndEngineBuilds() {
        Map<String, Object> c = container(deployment());
        long startupSeconds = seconds(mapAt(c, "startupProbe"));
        long livenessSeconds = seconds(mapAt(c, "livenessProbe"));
        assertTrue(startupSeconds >= 600, "CPU start-up window " + startupSeconds + " s: loading the ViT-L can take minutes");
        assertTrue(livenessSeconds >= 30 && livenessSeconds < startupSeconds,
                "liveness restarts only after a sustained failure (" + livenessSeconds + " s)");

        Map<String, Object> gpuPatch = DeployFiles.yaml(GPU + "/deployment-gpu.yaml");
        Map<String, Object> gpuContainer = container(gpuPatch);
        Map<String, Object> gpuStartup = new HashMap<>(mapAt(c, "startupProbe"));
        gpuStartup.putAll(mapAt(gpuContainer, "startupProbe"));
        assertTrue(seconds(gpuStartup) >= 1800, "GPU start-up window " + seconds(gpuStartup) + " s: TensorRT engine builds");
    }

    /** How long a probe tolerates failures: periodSeconds × failureThreshold. */
    private static long seconds(Map<String, Object> probe) {
        return ((Number) probe.get("periodSeconds")).longValue() * ((Number) probe.get("failureThreshold")).longValue();
    }

    @Test
    void serviceSendsItsPortToTheContainerPort() {
        Map<String, Object> service = object("Service", "anomaly-appliance");
        Map<String, Object> port = map(listAt(service, "spec", "ports").get(0), "ports[0]");
        Map<String, Object> containerPort = map(listAt(container(deployment()), "ports").get(0), "ports[0]");
        Object target = port.get("targetPort");
        assertTrue(target.equals(containerPort.get("containerPort")) || str(target).equals(str(containerPort.get("name"))),
                "Service targetPort " + target + " must be the container port " + containerPort);
        assertEquals(ApplianceSettings.httpPort(), port.get("port"));
        Map<String, Object> podLabels = mapAt(deployment(), "spec", "template", "metadata", "labels");
        mapAt(service, "spec", "selector").forEach((k, v) -> assertEquals(v, podLabels.get(k), "Service selector " + k));
        mapAt(deployment(), "spec", "selector", "matchLabels").forEach((k, v) -> assertEquals(v, podLabels.get(k), "matchLabels " + k));
    }

    @Test
    void environmentNamesRealSettings() {
        Map<String, String> env = environment(container(deployment()));
        env.keySet().stream().filter(ApplianceSettings::looksLikeSetting).forEach(name ->
                assertTrue(ApplianceSettings.isSetting(name), name + " is not a setting of the appliance"));
        assertEquals(String.valueOf(ApplianceSettings.httpPort()), env.get("QUARKUS_HTTP_PORT"));
        for (String secret : List.of("APPLIANCE_API_KEY", "APPLIANCE_MQTT_USERNAME", "APPLIANCE_MQTT_PASSWORD")) {
            assertTrue(mapAt(object("Secret", "anomaly-appliance-secrets"), "stringData").containsKey(secret),
                    secret + " belongs in the Secret");
            assertFalse(mapAt(object("ConfigMap", "anomaly-appliance-config"), "data").containsKey(secret),
                    secret + " must not be in the ConfigMap");
        }
    }

    @Test
    void stateDirectoriesAreMountedFromClaimsAndEverythingWrittenIsAVolume() {
        Map<String, Object> d = deployment();
        Map<String, Object> c = container(d);
        Map<String, String> env = environment(c);
        Map<String, String> mountToVolume = new HashMap<>();
        for (Object m : listAt(c, "volumeMounts")) {
            Map<String, Object> mount = map(m, "volumeMount");
            mountToVolume.put(str(mount.get("mountPath")), str(mount.get("name")));
        }
        Map<String, Map<String, Object>> volumes = new HashMap<>();
        for (Object v : listAt(d, "spec", "template", "spec", "volumes")) {
            Map<String, Object> volume = map(v, "volume");
            volumes.put(str(volume.get("name")), volume);
        }
        Map<String, String> claimOf = new HashMap<>();
        for (String setting : List.of("APPLIANCE_MODELS_DIR", "APPLIANCE_MQTT_QUEUE_DIR")) {
            String dir = env.get(setting);
            String volume = mountToVolume.get(dir);
            assertNotNull(volume, setting + "=" + dir + " is not a mount path " + mountToVolume.keySet());
            String claim = str(at(volumes.get(volume), "persistentVolumeClaim", "claimName"));
            Map<String, Object> pvc = object("PersistentVolumeClaim", claim);
            assertEquals(List.of("ReadWriteOnce"), listAt(pvc, "spec", "accessModes"));
            claimOf.put(setting, claim);
        }
        // the queue's volume holds at least the queue's byte bound
        long queueBytes = Long.parseLong(env.getOrDefault("APPLIANCE_MQTT_QUEUE_MAX_BYTES",
                ApplianceSettings.defaultOf("appliance.mqtt.queue.max-bytes")));
        long queueVolume = bytes(str(at(object("PersistentVolumeClaim", claimOf.get("APPLIANCE_MQTT_QUEUE_DIR")),
                "spec", "resources", "requests", "storage")));
        assertTrue(queueVolume >= 2 * queueBytes, "queue volume " + queueVolume + " B < 2 x max-bytes " + queueBytes);
    }

    /**
     * The root file system is read-only, so every folder the appliance writes ({@link WriteLocations}) must lie on a
     * writable volume: otherwise the first REST training job fails to open its feature cache, or ONNX Runtime cannot
     * unpack its library. Checked for the base and for the GPU overlay (its patch merged by name, as kustomize does).
     */
    @Test
    void everyFolderTheApplianceWritesIsOnAWritableVolume() {
        Map<String, Object> d = deployment();
        Map<String, Object> c = container(d);
        assertEquals(Boolean.TRUE, at(c, "securityContext", "readOnlyRootFilesystem"), "read-only root file system");
        List<Object> volumes = listAt(d, "spec", "template", "spec", "volumes");
        assertWritable(BASE, environment(c), listAt(c, "volumeMounts"), volumes);

        Map<String, Object> patch = DeployFiles.yaml(GPU + "/deployment-gpu.yaml");
        Map<String, Object> pc = container(patch);
        Map<String, String> gpuEnv = new HashMap<>(environment(c));
        for (Object e : list(pc.getOrDefault("env", List.of()), "env")) {
            gpuEnv.put(str(map(e, "env[]").get("name")), str(map(e, "env[]").get("value")));
        }
        assertWritable(GPU, gpuEnv, mergeByKey(listAt(c, "volumeMounts"), pc.get("volumeMounts"), "mountPath"),
                mergeByKey(volumes, mapAt(patch, "spec", "template", "spec").get("volumes"), "name"));
    }

    /** A strategic merge of two lists of mappings keyed by {@code key}: the patch's entries replace or add. */
    private static List<Object> mergeByKey(List<Object> base, Object patch, String key) {
        Map<String, Object> merged = new java.util.LinkedHashMap<>();
        for (Object o : base) merged.put(str(map(o, key).get(key)), o);
        if (patch != null) {
            for (Object o : list(patch, key)) {
                Map<String, Object> entry = new HashMap<>();
                Object before = merged.get(str(map(o, key).get(key)));
                if (before != null) entry.putAll(map(before, key));
                entry.putAll(map(o, key));
                merged.put(str(entry.get(key)), entry);
            }
        }
        return new ArrayList<>(merged.values());
    }

    private static void assertWritable(String where, Map<String, String> env, List<Object> mounts, List<Object> volumes) {
        Map<String, Map<String, Object>> volumeByName = new HashMap<>();
        for (Object v : volumes) volumeByName.put(str(map(v, "volume").get("name")), map(v, "volume"));
        WriteLocations.of(env, where).forEach((what, dir) -> {
            Map<String, Object> mount = mounts.stream().map(m -> map(m, "volumeMount"))
                    .filter(m -> WriteLocations.within(dir, str(m.get("mountPath"))))
                    .max(java.util.Comparator.comparingInt(m -> str(m.get("mountPath")).length()))
                    .orElseThrow(() -> new AssertionError(where + ": " + what + " = " + dir + " is on the read-only root file system"));
            assertFalse(Boolean.TRUE.equals(mount.get("readOnly")), where + ": " + what + " = " + dir + " is on a read-only mount");
            assertNotNull(volumeByName.get(str(mount.get("name"))), where + ": no volume named " + mount.get("name"));
        });

        // the training cache's emptyDir holds the bounded features plus the feature graph (about 1.2 GB for the ViT-L)
        String cacheDir = env.get(ApplianceSettings.envName("appliance.training.cache-dir"));
        Map<String, Object> cacheMount = mounts.stream().map(m -> map(m, "volumeMount"))
                .filter(m -> WriteLocations.within(cacheDir, str(m.get("mountPath")))).findFirst().orElseThrow();
        Map<String, Object> cacheVolume = volumeByName.get(str(cacheMount.get("name")));
        if (cacheVolume.get("emptyDir") instanceof Map<?, ?> emptyDir && emptyDir.get("sizeLimit") != null) {
            long maxBytes = Long.parseLong(env.getOrDefault(ApplianceSettings.envName("appliance.training.cache-max-bytes"),
                    ApplianceSettings.defaultOf("appliance.training.cache-max-bytes")));
            long limit = bytes(str(emptyDir.get("sizeLimit")));
            assertTrue(limit >= maxBytes + (3L << 29), where + ": the training cache volume (" + limit + " B) must hold"
                    + " appliance.training.cache-max-bytes (" + maxBytes + " B) plus 1.5 GiB for the feature graph");
        }
    }

    /** Production manifests never come up serving the synthetic demo model from an empty models volume. */
    @Test
    void anEmptyModelsVolumeDoesNotServeTheDemo() {
        assertEquals("false", environment(container(deployment())).get(ApplianceSettings.envName("appliance.models.demo-if-empty")),
                "set appliance.models.demo-if-empty=false: the demo model would answer READY with meaningless verdicts");
    }

    @Test
    void singleReplicaRecreatedNonRootWithEnoughMemoryForTheVitL() {
        Map<String, Object> d = deployment();
        assertEquals(1, at(d, "spec", "replicas"));
        assertEquals("Recreate", str(at(d, "spec", "strategy", "type")), "RWO volumes and one queue owner: Recreate");
        Map<String, Object> pod = mapAt(d, "spec", "template", "spec");
        assertEquals(Boolean.TRUE, at(pod, "securityContext", "runAsNonRoot"));
        int imageUser = DockerfilesTest.user(Dockerfile.parse("jvm", DeployFiles.read("deploy/docker/Dockerfile.jvm")));
        assertEquals(imageUser, at(pod, "securityContext", "runAsUser"), "runAsUser = the image's USER");
        assertNotNull(at(pod, "securityContext", "fsGroup"), "fsGroup makes the volumes writable for that user");
        Map<String, Object> c = container(d);
        assertEquals(Boolean.FALSE, at(c, "securityContext", "allowPrivilegeEscalation"));
        long limit = bytes(str(at(c, "resources", "limits", "memory")));
        long request = bytes(str(at(c, "resources", "requests", "memory")));
        assertTrue(request >= 3L << 30 && limit >= request, "ViT-L on CPU needs about 3 GiB: request " + request + ", limit " + limit);
        long grace = ((Number) pod.get("terminationGracePeriodSeconds")).longValue();
        assertTrue(grace >= 30, "time to finish requests in flight and close the queue");
    }

    @Test
    void gpuOverlayPatchesTheBaseToRequestOneGpu() {
        Map<String, Object> k = DeployFiles.yaml(GPU + "/kustomization.yaml");
        assertTrue(listAt(k, "resources").contains("../../base"));
        List<String> patches = new ArrayList<>();
        for (Object p : listAt(k, "patches")) patches.add(str(map(p, "patch").get("path")));
        assertTrue(patches.contains("deployment-gpu.yaml"));
        Map<String, Object> patch = DeployFiles.yaml(GPU + "/deployment-gpu.yaml");
        assertEquals(str(at(deployment(), "metadata", "name")), str(at(patch, "metadata", "name")), "patch targets the base Deployment");
        Map<String, Object> c = container(patch);
        assertEquals(str(container(deployment()).get("name")), str(c.get("name")), "patch targets the base container by name");
        assertEquals(1, at(c, "resources", "limits", "nvidia.com/gpu"));
        assertEquals(1, at(c, "resources", "requests", "nvidia.com/gpu"));
        Map<String, Object> image = map(listAt(k, "images").get(0), "images[0]");
        assertEquals(str(container(deployment()).get("image")).split(":")[0], str(image.get("name")), "the image rewrite matches the base image");
        assertTrue(str(image.get("newName")).contains("gpu"));
    }
}
