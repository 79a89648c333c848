package dev.anomalyedge.cli;

import ai.onnx.proto.OnnxMl;
import dev.anomalyedge.engine.EngineException;
import dev.anomalyedge.engine.trt.BatchProfile;
import dev.anomalyedge.engine.trt.ModelDigest;
import dev.anomalyedge.engine.trt.PlanBuildProcess;
import dev.anomalyedge.engine.trt.PlanCache;
import dev.anomalyedge.engine.trt.PlanKey;
import dev.anomalyedge.engine.trt.PlanSidecar;
import dev.anomalyedge.engine.trt.PrecisionPolicy;
import dev.anomalyedge.engine.trt.TrtAvailability;
import dev.anomalyedge.engine.trt.TrtNatives;
import dev.anomalyedge.engine.trt.TrtFewShotHead;
import dev.anomalyedge.engine.trt.TrtPlanBuilder;
import dev.anomalyedge.engine.trt.TrtPrecision;
import dev.anomalyedge.graph.ScoringGraphBuilder;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code build-engine --bundle DIR [--precision fp16|fp32] [--max-batch N]} (or {@code build-engine --probe}): builds (or confirms) the bundle's
 * TensorRT plan for this box's GPU in {@code <bundle>/engines/}. Exit status 0: plan ready; 1: build failed;
 * 2: TensorRT or a GPU is not available here. The service runs this command in a child JVM to build its plans
 * ({@code PlanBuildProcess}); {@link #main} lets it run from a plain class path too.
 */
@Command(name = "build-engine", mixinStandardHelpOptions = true,
        description = "Build the bundle's TensorRT plan on this box's GPU (engines/<gpu>-sm<cc>-trt<ver>-<precision>.plan + .json).")
public class BuildEngineCommand implements Callable<Integer> {

    @Option(names = "--bundle", description = "bundle folder (holds visual.onnx); required unless --probe")
    Path bundle;

    @Option(names = "--probe", description = "only say whether TensorRT and a GPU can be used here (exit 0) or why not (exit 2)")
    boolean probe;

    @Option(names = "--precision", defaultValue = "fp16", description = "fp16 (default; normalisation, softmax, reductions and the scoring head stay fp32) or fp32")
    String precision;

    @Option(names = "--max-batch", defaultValue = "32", description = "largest batch of the optimisation profile (default ${DEFAULT-VALUE})")
    int maxBatch;

    @Option(names = "--opt-batch", defaultValue = "8", description = "batch the kernels are tuned for (default ${DEFAULT-VALUE}, clamped to --max-batch)")
    int optBatch;

    @Option(names = "--workspace-mib", defaultValue = "4096", description = "builder workspace limit in MiB (default ${DEFAULT-VALUE})")
    long workspaceMib;

    @Option(names = "--head-images", defaultValue = "" + TrtFewShotHead.DEFAULT_BANK_IMAGES, description = "also build the few-shot head"
            + " plan (recipes' bank search on the GPU) for banks of up to this many whole images (k × tiles); 0: none, banks are"
            + " searched on the host (default ${DEFAULT-VALUE})")
    int headImages;

    @Option(names = "--force", description = "rebuild even if a matching plan exists")
    boolean force;

    @Option(names = "--print-trtexec", description = "also print the equivalent trtexec command line")
    boolean printTrtexec;

    /** The command without Quarkus (plain class path, e.g. the child JVM of a build started from tests). */
    public static void main(String[] args) {
        System.exit(new CommandLine(new BuildEngineCommand()).execute(args));
    }

    @Override
    public Integer call() {
        return run(System.out, System.err);
    }

    int run(PrintStream out, PrintStream err) {
        if (probe) {
            TrtAvailability trt = TrtNatives.probe();
            (trt.available() ? out : err).println(trt.reason());
            return trt.available() ? 0 : 2;
        }
        if (bundle == null) {
            err.println("build-engine needs --bundle DIR (or --probe)");
            return 1;
        }
        try {
            TrtPrecision p = TrtPrecision.parse(precision);
            BatchProfile profile = BatchProfile.upTo(optBatch, maxBatch);
            Path model = bundle.resolve(PlanCache.MODEL_FILE);
            if (!Files.isRegularFile(model)) {
                err.println(model + ": bundle has no ONNX model");
                return 1;
            }
            String graphPrecision = graphPrecision(model);
            if (graphPrecision != null) {
                err.println(model + ": an " + graphPrecision.toUpperCase(Locale.ROOT) + " graph is for ONNX Runtime on CPU (its"
                        + " com.microsoft quantised operators are not TensorRT's); build the plan from the FP32 bundle (export"
                        + " --from-bundle B --precision fp32), TensorRT chooses FP16 or FP32 itself");
                return 1;
            }
            TrtAvailability trt = TrtNatives.probe();
            if (!trt.available()) {
                err.println("cannot build a TensorRT plan here: " + trt.reason());
                return 2;
            }
            out.println(trt.reason());
            PlanKey key = PlanKey.of(trt, p);
            PlanCache cache = PlanCache.forBundle(bundle);
            if (printTrtexec) {
                out.println(TrtPlanBuilder.trtexecEquivalent(model, cache.planFile(key), cache.timingCacheFile(key), p,
                        ScoringGraphBuilder.INPUT_IMAGE, imageSize(model), profile, workspaceMib << 20));
            }
            PlanCache.Lookup lookup = cache.lookup(key, ModelDigest.sha256(model), maxBatch);
            if (lookup.matches() && !force) {
                out.println("plan up to date: " + lookup.plan() + " (built " + lookup.sidecar().builtAt() + ", " + lookup.sidecar().profile() + ")");
                buildHead(trt, out, err);
                return 0;
            }
            out.println("building " + key.baseName() + " because " + (lookup.matches() ? "--force was given" : lookup.reason())
                    + "; this takes minutes for ViT-L");
            TrtPlanBuilder.Result r = TrtPlanBuilder.build(new TrtPlanBuilder.Request(model, cache, p, profile, workspaceMib << 20,
                    PrecisionPolicy.standard(), Duration.ofSeconds(15)));
            PlanSidecar s = r.sidecar();
            out.printf(Locale.ROOT, "plan %s (%.1f MiB) built in %.1f s, %s, %d layers kept in fp32%nsidecar %s%n", r.plan(),
                    s.planBytes() / (double) (1 << 20), s.buildSeconds(), s.profile(), s.fp32Layers(), r.sidecarFile());
            buildHead(trt, out, err);
            out.println(PlanBuildProcess.PEAK_MEMORY + peakResidentMiB(Path.of("/proc/self/status")) + " MiB (VmHWM)");
            return 0;
        } catch (EngineException | UncheckedIOException e) {
            err.println("build-engine failed: " + e.getMessage());
            return 1;
        }
    }

    /**
     * The few-shot head plan after the scoring plan. Its failure does not fail the command: the scoring plan serves, and
     * recipes' banks are searched on the host (said on stderr).
     */
    private void buildHead(TrtAvailability trt, PrintStream out, PrintStream err) {
        if (headImages <= 0) return;
        try {
            out.println(TrtFewShotHead.build(bundle, headImages, workspaceMib << 20, force, trt));
        } catch (RuntimeException e) { // whatever it is, the scoring plan stands
            err.println("few-shot head plan not built (recipes' banks will be searched on the host): " + e.getMessage());
        }
    }

    /** VmHWM of a /proc/PID/status file in MiB, or -1 where there is none. */
    static long peakResidentMiB(Path status) {
        try {
            for (String line : Files.readAllLines(status)) {
                if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /** S of the model's input [batch, 3, S, S] (the model file holds no weights, so this reads little). */
    static int imageSize(Path model) {
        try (InputStream in = Files.newInputStream(model)) {
            for (OnnxMl.ValueInfoProto v : OnnxMl.ModelProto.parseFrom(in).getGraph().getInputList()) {
                if (v.getName().equals(ScoringGraphBuilder.INPUT_IMAGE)) {
                    var dims = v.getType().getTensorType().getShape().getDimList();
                    if (dims.size() == 4 && dims.get(2).hasDimValue()) return (int) dims.get(2).getDimValue();
                }
            }
            throw new EngineException(model + ": no input '" + ScoringGraphBuilder.INPUT_IMAGE + "' of shape [batch, 3, S, S]");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + model, e);
        }
    }

    /**
     * The graph's precision as its metadata names it, or null for an FP32 graph (which names none) and for a file that is
     * not an ONNX model at all (TensorRT's parser then says what is wrong with it, after the probe).
     */
    static String graphPrecision(Path model) {
        try (InputStream in = Files.newInputStream(model)) {
            for (OnnxMl.StringStringEntryProto e : OnnxMl.ModelProto.parseFrom(in).getMetadataPropsList()) {
                if (e.getKey().equals(ScoringGraphBuilder.PRECISION_METADATA)) return e.getValue();
            }
            return null;
        } catch (com.google.protobuf.InvalidProtocolBufferException notOnnx) {
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + model, e);
        }
    }
}
