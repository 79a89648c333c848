package dev.anomalyedge.engine.trt;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * TensorRT plans of one bundle, built on the box and never committed:
 * <pre>
 * &lt;bundle&gt;/engines/&lt;gpu-slug&gt;-sm&lt;cc&gt;-trt&lt;ver&gt;-&lt;precision&gt;.plan    the serialised engine
 * &lt;bundle&gt;/engines/&lt;gpu-slug&gt;-sm&lt;cc&gt;-trt&lt;ver&gt;-&lt;precision&gt;.json    its {@link PlanSidecar}
 * &lt;bundle&gt;/engines/&lt;gpu-slug&gt;-sm&lt;cc&gt;-trt&lt;ver&gt;.timing-cache           TensorRT's timing cache (kept across rebuilds)
 * </pre>
 * A plan is used only when its sidecar matches: same TensorRT version, GPU name and compute capability, precision,
 * ONNX sha256, and a profile whose max batch is at least the one asked for. Anything else makes it stale.
 */
public final class PlanCache {
    public static final String ENGINES_DIR = "engines";
    /** The bundle's scoring model (architecture.md: models/&lt;name&gt;/&lt;version&gt;/visual.onnx + external data). */
    public static final String MODEL_FILE = "visual.onnx";

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** MATCH: usable as is; MISSING: no plan or sidecar; STALE: present but built for something else. */
    public enum Status { MATCH, MISSING, STALE }

    /** The outcome of {@link #lookup}: the status and, unless it matches, why not. */
    public record Lookup(Status status, Path plan, PlanSidecar sidecar, List<String> reasons) {
        public Lookup {
            reasons = List.copyOf(reasons);
        }

        public boolean matches() {
            return status == Status.MATCH;
        }

        /** One line: "stale: TensorRT version 10.14.1.0 != 10.15.1.29; ...". */
        public String reason() {
            return status.name().toLowerCase(java.util.Locale.ROOT) + (reasons.isEmpty() ? "" : ": " + String.join("; ", reasons));
        }
    }

    private final Path enginesDir;

    public PlanCache(Path enginesDir) {
        this.enginesDir = Objects.requireNonNull(enginesDir, "enginesDir");
    }

    /** The cache in {@code <bundle>/engines}. */
    public static PlanCache forBundle(Path bundleDir) {
        return new PlanCache(bundleDir.resolve(ENGINES_DIR));
    }

    public Path enginesDir() {
        return enginesDir;
    }

    public Path planFile(PlanKey key) {
        return enginesDir.resolve(key.baseName() + ".plan");
    }

    public Path sidecarFile(PlanKey key) {
        return enginesDir.resolve(key.baseName() + ".json");
    }

    public Path timingCacheFile(PlanKey key) {
        return enginesDir.resolve(key.deviceStem() + ".timing-cache");
    }

    /** Whether the plan for {@code key} can serve a model with digest {@code onnxSha256} at batches up to {@code maxBatch}. */
    public Lookup lookup(PlanKey key, String onnxSha256, int maxBatch) {
        Path plan = planFile(key), json = sidecarFile(key);
        boolean hasPlan = Files.isRegularFile(plan), hasJson = Files.isRegularFile(json);
        if (!hasPlan && !hasJson) return new Lookup(Status.MISSING, plan, null, List.of("no plan " + plan.getFileName() + " yet"));
        if (!hasJson) return new Lookup(Status.MISSING, plan, null, List.of("plan " + plan.getFileName() + " has no sidecar " + json.getFileName()));
        PlanSidecar sidecar;
        try {
            sidecar = readSidecar(json);
        } catch (UncheckedIOException e) {
            return new Lookup(Status.STALE, plan, null, List.of(e.getMessage()));
        }
        List<String> reasons = new ArrayList<>(differences(sidecar, key, onnxSha256, maxBatch));
        if (!hasPlan) {
            reasons.add("plan file " + plan.getFileName() + " is missing");
        } else {
            long size = size(plan);
            if (size != sidecar.planBytes()) reasons.add("plan file has " + size + " bytes, sidecar says " + sidecar.planBytes());
        }
        if (!plan.getFileName().toString().equals(sidecar.plan())) reasons.add("sidecar names plan '" + sidecar.plan() + "'");
        return new Lookup(reasons.isEmpty() ? Status.MATCH : Status.STALE, plan, sidecar, reasons);
    }

    /** Everything in which {@code s} differs from what is needed; empty if the plan fits. */
    public static List<String> differences(PlanSidecar s, PlanKey key, String onnxSha256, int maxBatch) {
        List<String> d = new ArrayList<>();
        if (s.format() != PlanSidecar.FORMAT) d.add("sidecar format " + s.format() + " != " + PlanSidecar.FORMAT);
        if (!key.tensorrtVersion().equals(s.tensorrtVersion())) d.add("TensorRT version " + s.tensorrtVersion() + " != " + key.tensorrtVersion());
        if (!key.gpuName().equals(s.gpuName())) d.add("GPU '" + s.gpuName() + "' != '" + key.gpuName() + "'");
        if (!key.computeCapability().equals(s.computeCapability())) d.add("compute capability " + s.computeCapability() + " != " + key.computeCapability());
        if (!key.precision().id().equals(s.precision())) d.add("precision " + s.precision() + " != " + key.precision().id());
        if (!onnxSha256.equals(s.onnxSha256())) d.add("ONNX sha256 " + abbreviate(s.onnxSha256()) + " != " + abbreviate(onnxSha256));
        if (s.profile() == null) d.add("no batch profile");
        else if (s.profile().max() < maxBatch) d.add("profile max batch " + s.profile().max() + " < requested " + maxBatch);
        return d;
    }

    /** Reads a sidecar; an unreadable or invalid one is an {@link UncheckedIOException} naming the file. */
    public PlanSidecar readSidecar(Path json) {
        try {
            PlanSidecar s = JSON.readValue(json.toFile(), PlanSidecar.class);
            if (s == null) throw new IOException("empty document");
            return s;
        } catch (IOException | RuntimeException e) {
            String message = "sidecar " + json.getFileName() + " is unreadable: " + firstLine(e);
            throw new UncheckedIOException(message, new IOException(message, e));
        }
    }

    /** Writes the sidecar for {@code key} atomically (temporary file, then rename). Write it after the plan. */
    public Path writeSidecar(PlanKey key, PlanSidecar sidecar) {
        Path target = sidecarFile(key);
        try {
            Files.createDirectories(enginesDir);
            Path tmp = Files.createTempFile(enginesDir, key.baseName(), ".json.tmp");
            try {
                JSON.writeValue(tmp.toFile(), sidecar);
                moveIntoPlace(tmp, target);
            } finally {
                Files.deleteIfExists(tmp);
            }
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write plan sidecar " + target, e);
        }
    }

    /** Deletes the plan and sidecar of {@code key} (before a rebuild), leaving the timing cache. */
    public void invalidate(PlanKey key) {
        try {
            Files.deleteIfExists(sidecarFile(key)); // sidecar first: a plan without sidecar never matches
            Files.deleteIfExists(planFile(key));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete the stale plan " + planFile(key), e);
        }
    }

    /** Renames {@code tmp} over {@code target}, atomically where the file system allows. */
    static void moveIntoPlace(Path tmp, Path target) throws IOException {
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return -1;
        }
    }

    private static String abbreviate(String sha) {
        return sha == null ? "none" : sha.length() > 12 ? sha.substring(0, 12) + "…" : sha;
    }

    private static String firstLine(Throwable e) {
        String m = String.valueOf(e.getMessage());
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
