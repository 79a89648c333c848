package dev.anomalyedge.deploy;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every folder the serving appliance writes, as one deployment file configures it:
 * <ul>
 *   <li>each folder setting of {@link ApplianceSettings#writtenFolders()} (models — with training output, TensorRT plans
 *       and the demo's work folders inside —, the MQTT queue — with everything the queue keeps —, the training jobs'
 *       feature cache, …); a deployment file must set each one explicitly, because their defaults are relative to the
 *       working directory or the home folder;</li>
 *   <li>JavaCPP's cache ({@code -Dorg.bytedeco.javacpp.cachedir} in JAVA_OPTS, where libtorch is extracted);</li>
 *   <li>the JVM's temp dir ({@code -Djava.io.tmpdir}, else {@code /tmp}): ONNX Runtime's native library, multipart
 *       uploads, anomaly-map downloads and Vert.x' file cache;</li>
 *   <li>CUDA's JIT cache where {@code CUDA_CACHE_PATH} is set (GPU files).</li>
 * </ul>
 */
final class WriteLocations {
    private WriteLocations() {}

    /** What (a setting or a cache) → absolute folder, from a deployment file's environment (JAVA_OPTS included). */
    static Map<String, String> of(Map<String, String> env, String where) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String setting : ApplianceSettings.writtenFolders()) {
            String variable = ApplianceSettings.envName(setting);
            String dir = env.get(variable);
            assertNotNull(dir, where + ": set " + variable + " (" + setting + ") to a folder on a writable volume;"
                    + " its default lies in the working directory or the home folder");
            assertTrue(dir.startsWith("/"), where + ": " + variable + " must be an absolute path, found " + dir);
            out.put(setting, dir);
        }
        String opts = env.get("JAVA_OPTS");
        out.put("JavaCPP cache", DockerfilesTest.javacppCacheDir(opts, where));
        out.put("java.io.tmpdir", systemProperty(opts, "java.io.tmpdir").orElse("/tmp"));
        if (env.containsKey("CUDA_CACHE_PATH")) out.put("CUDA_CACHE_PATH", env.get("CUDA_CACHE_PATH"));
        return out;
    }

    /** A {@code -Dname=value} in a JAVA_OPTS string. */
    static Optional<String> systemProperty(String javaOpts, String name) {
        if (javaOpts == null) return Optional.empty();
        Matcher m = Pattern.compile("(?:^|\\s)-D" + Pattern.quote(name) + "=(\\S+)").matcher(javaOpts);
        return m.find() ? Optional.of(m.group(1)) : Optional.empty();
    }

    /** Whether {@code dir} is {@code folder} or lies inside it. */
    static boolean within(String dir, String folder) {
        return Path.of(dir).normalize().startsWith(Path.of(folder).normalize());
    }
}
