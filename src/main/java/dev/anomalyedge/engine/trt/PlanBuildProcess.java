package dev.anomalyedge.engine.trt;

import dev.anomalyedge.engine.EngineException;
import org.jboss.logging.Logger;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Builds a TensorRT plan in a short-lived JVM of its own: the CLI command {@code build-engine} of this very
 * application. The serving process never creates a builder or an ONNX parser, which the JavaCPP preset never destroys
 * (javacpp-presets#1699) and which hold TensorRT's kernel library (about 2 GB of host and 0.4 GB of GPU memory) and
 * the FP32 weights (about 1.2 GB for ViT-L) for the rest of the process. The child's memory goes back to the system
 * when it exits; its output (phases, heartbeats, TensorRT and parser errors) is logged here line by line as it comes,
 * and a failed build's last lines are in the {@link EngineException}.
 *
 * <p>The child runs {@code java -jar quarkus-run.jar build-engine …} when this process was started that way, and
 * {@code java -cp <this class path> dev.anomalyedge.cli.BuildEngineCommand …} otherwise (tests, plain class paths).
 * System properties {@code org.bytedeco.*} (JavaCPP's cache directory) are passed on; the environment is inherited
 * (so {@code LD_LIBRARY_PATH} reaches TensorRT's builder-resource lookup).
 */
public final class PlanBuildProcess {
    private static final Logger LOG = Logger.getLogger(PlanBuildProcess.class);
    /** The CLI class run on plain class paths; it has a main of its own. */
    static final String CLI_CLASS = "dev.anomalyedge.cli.BuildEngineCommand";
    /** A ViT-L FP16 build takes minutes; far slower means a hung build. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(30);
    /** The line with which build-engine reports its peak resident memory (VmHWM), for sizing the machine. */
    public static final String PEAK_MEMORY = "peak resident memory of this build process: ";
    /** The child's Java heap: the plan and weights live in native memory, the JVM needs little. */
    static final String CHILD_HEAP = "-Xmx1g";

    /**
     * What to build.
     *
     * @param bundleDir      the bundle (visual.onnx, engines/)
     * @param precision      fp16 or fp32
     * @param profile        the batch profile
     * @param workspaceBytes the builder workspace limit
     * @param force          rebuild even if a matching plan is there
     * @param headImages     also build the few-shot head plan for banks of up to this many whole images (0: none)
     */
    public record Request(Path bundleDir, TrtPrecision precision, BatchProfile profile, long workspaceBytes, boolean force, int headImages) {
        /** With the few-shot head plan for {@link TrtFewShotHead#DEFAULT_BANK_IMAGES} images. */
        public Request(Path bundleDir, TrtPrecision precision, BatchProfile profile, long workspaceBytes, boolean force) {
            this(bundleDir, precision, profile, workspaceBytes, force, TrtFewShotHead.DEFAULT_BANK_IMAGES);
        }
    }

    private PlanBuildProcess() {}

    /**
     * Runs the build in a child JVM and returns the plan it wrote, read back through the plan cache. Throws an
     * {@link EngineException} with the child's last output lines when it fails or runs past {@code timeout}.
     */
    public static TrtPlanBuilder.Result build(Request r, TrtAvailability trt, Duration timeout) {
        return build(r, trt, timeout, line -> { });
    }

    /** {@link #build(Request, TrtAvailability, Duration)}, also handing every output line of the child to {@code lines}. */
    public static TrtPlanBuilder.Result build(Request r, TrtAvailability trt, Duration timeout, Consumer<String> lines) {
        return build(r, trt, timeout, javaCommand(System.getProperty("java.home"), System.getProperty("java.class.path"),
                System.getProperties().stringPropertyNames().stream().filter(k -> k.startsWith("org.bytedeco."))
                        .map(k -> "-D" + k + "=" + System.getProperty(k)).sorted().toList()), line -> {
                    LOG.info("[plan build] " + line);
                    lines.accept(line);
                });
    }

    static TrtPlanBuilder.Result build(Request r, TrtAvailability trt, Duration timeout, List<String> java, Consumer<String> log) {
        PlanKey key = PlanKey.of(trt, r.precision());
        List<String> command = new ArrayList<>(java);
        command.addAll(arguments(r));
        LOG.infof("building TensorRT plan %s in a child JVM (limit %d min): %s", key.baseName(), timeout.toMinutes(), shown(command));
        long start = System.nanoTime();
        ChildProcess.Outcome o = ChildProcess.run(command, Map.of(), timeout, log);
        double seconds = (System.nanoTime() - start) / 1e9;
        if (o.timedOut()) {
            throw new EngineException(String.format(Locale.ROOT, "TensorRT plan build for %s ran past %d min and was ended; last output: %s",
                    r.bundleDir(), timeout.toMinutes(), o.tailText()));
        }
        if (o.exitCode() != 0) {
            throw new EngineException(String.format(Locale.ROOT, "TensorRT plan build for %s failed (exit %d after %.1f s): %s",
                    r.bundleDir(), o.exitCode(), seconds, o.tailText()));
        }
        PlanCache cache = PlanCache.forBundle(r.bundleDir());
        PlanCache.Lookup lookup = cache.lookup(key, ModelDigest.sha256(r.bundleDir().resolve(PlanCache.MODEL_FILE)), r.profile().max());
        if (!lookup.matches()) {
            throw new EngineException("the plan build for " + r.bundleDir() + " exited 0 but left no usable plan " + key.baseName() + ": " + lookup.reason()
                    + "; last output: " + o.tailText());
        }
        return new TrtPlanBuilder.Result(key, lookup.plan(), cache.sidecarFile(key), lookup.sidecar());
    }

    /**
     * The JVM part of the child's command line: {@code java <props> -Xmx1g [-jar quarkus-run.jar build-engine | -cp CP
     * dev.anomalyedge.cli.BuildEngineCommand]}.
     */
    static List<String> javaCommand(String javaHome, String classPath, List<String> properties) {
        List<String> c = new ArrayList<>();
        c.add(Path.of(javaHome, "bin", "java").toString());
        c.addAll(properties);
        c.add(CHILD_HEAP);
        c.add("-XX:+ExitOnOutOfMemoryError");
        c.add("-Dquarkus.log.console.level=INFO"); // the command mode's default WARN would hide the progress lines
        if (classPath.endsWith("quarkus-run.jar") && !classPath.contains(java.io.File.pathSeparator)) {
            c.addAll(List.of("-jar", classPath, "build-engine"));
        } else {
            c.addAll(List.of("-cp", classPath, CLI_CLASS));
        }
        return c;
    }

    /** The command for the log, a long class path abbreviated to its number of entries. */
    static String shown(List<String> command) {
        List<String> c = new ArrayList<>(command);
        int cp = c.indexOf("-cp");
        if (cp >= 0 && cp + 1 < c.size()) c.set(cp + 1, "<" + c.get(cp + 1).split(java.io.File.pathSeparator).length + " class path entries>");
        return String.join(" ", c);
    }

    /** The build-engine options for {@code r}. */
    static List<String> arguments(Request r) {
        List<String> a = new ArrayList<>(List.of("--bundle", r.bundleDir().toAbsolutePath().toString(), "--precision", r.precision().id(),
                "--max-batch", String.valueOf(r.profile().max()), "--opt-batch", String.valueOf(r.profile().opt()),
                "--workspace-mib", String.valueOf(r.workspaceBytes() >> 20), "--head-images", String.valueOf(r.headImages())));
        if (r.force()) a.add("--force");
        return a;
    }
}
