package dev.anomalyedge.bundle;

import dev.anomalyedge.util.FileTrees;

import dev.anomalyedge.graph.Precision;
import dev.anomalyedge.graph.ScoringGraphBuilder;
import dev.anomalyedge.model.AnomalyClipSettings;
import dev.anomalyedge.model.ClipArchitecture;
import dev.anomalyedge.tensor.Tensor;
import dev.anomalyedge.text.PromptDims;
import dev.anomalyedge.text.PromptLearner;
import dev.anomalyedge.text.TextEncoder;
import dev.anomalyedge.torch.TorchRuntime;
import dev.anomalyedge.weights.Checkpoints;
import dev.anomalyedge.weights.StateDict;
import dev.anomalyedge.weights.Safetensors;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Builds a model bundle from a CLIP checkpoint and a prompt-learner checkpoint: text embeddings computed once with
 * the text encoder, the scoring graph built with them, a manifest with provenance. The bundle is assembled in a
 * staging directory beside the target and moved into place only when complete.
 */
public final class BundleExporter {
    public static final String TOOL_VERSION = "0.1.0";

    /**
     * What to export; heads null = width/64; name/version default to the output directory's names; precision of the
     * graph's linear layers (see {@link Precision}).
     */
    public record Request(Path clip, Path prompts, AnomalyClipSettings settings, Integer visionHeads, Integer textHeads,
                          Path out, String name, String version, boolean demo, String note, Precision precision) {
        public Request {
            java.util.Objects.requireNonNull(precision, "precision");
        }

        /** An FP32 export. */
        public Request(Path clip, Path prompts, AnomalyClipSettings settings, Integer visionHeads, Integer textHeads,
                       Path out, String name, String version, boolean demo, String note) {
            this(clip, prompts, settings, visionHeads, textHeads, out, name, version, demo, note, Precision.FP32);
        }
    }

    private final Consumer<String> progress;

    public BundleExporter(Consumer<String> progress) {
        this.progress = progress;
    }

    public ModelBundle export(Request r) throws IOException {
        progress.accept("reading CLIP checkpoint " + r.clip());
        StateDict clip = Checkpoints.read(r.clip());
        ClipArchitecture arch = ClipArchitecture.infer(clip, r.visionHeads(), r.textHeads());
        r.settings().validate(arch);
        progress.accept("architecture: " + arch);
        progress.accept("reading prompt learner " + r.prompts());
        StateDict prompts = Checkpoints.readPromptLearner(r.prompts());

        float[] embeddings;
        Map<String, Tensor> promptState;
        progress.accept("computing text embeddings");
        try (TorchRuntime.Lease torch = TorchRuntime.acquire(TorchRuntime.threads(), "cpu", () -> false);
             TextEncoder encoder = TextEncoder.load(clip, arch);
             PromptLearner learner = PromptLearner.load(prompts, PromptDims.of(r.settings(), arch))) {
            embeddings = encoder.normalizedEmbeddings(learner);
            promptState = learner.stateDict();
        }

        Path out = r.out().toAbsolutePath().normalize();
        checkReplaceable(out);
        Path staging = Files.createDirectories(out.resolveSibling(out.getFileName() + ".staging-" + ProcessHandle.current().pid()));
        try {
            progress.accept("building scoring graph at " + r.settings().imageSize() + " px, " + r.precision().id());
            new ScoringGraphBuilder(clip, arch, r.settings(), embeddings).withPrecision(r.precision()).write(staging.resolve(ModelBundle.GRAPH));
            clip = null; // the weights are in the graph now; let the heap go before the manifest step

            Map<String, String> meta = new LinkedHashMap<>();
            meta.put("rows", "0 = normal, 1 = abnormal");
            meta.put("normalised", "L2");
            Safetensors.write(staging.resolve(ModelBundle.TEXT_EMBEDDINGS),
                    Map.of(ModelBundle.TEXT_EMBEDDINGS_KEY, Tensor.ofFloats(new long[] {2, arch.embedDim()}, embeddings)), meta);
            Safetensors.write(staging.resolve(ModelBundle.PROMPT_LEARNER), promptState, Map.of("format", "AnomalyCLIP prompt_learner state_dict"));

            Map<String, BundleManifest.Source> sources = new LinkedHashMap<>();
            sources.put("clip", new BundleManifest.Source(r.clip().getFileName().toString(), Checkpoints.sha256(r.clip()),
                    Checkpoints.detect(r.clip()).name().toLowerCase(), r.clip().toAbsolutePath().normalize().toString()));
            sources.put("prompts", new BundleManifest.Source(r.prompts().getFileName().toString(), Checkpoints.sha256(r.prompts()),
                    Checkpoints.detect(r.prompts()).name().toLowerCase(), r.prompts().toAbsolutePath().normalize().toString()));
            String name = r.name() != null ? r.name() : out.getParent() != null && out.getParent().getFileName() != null
                    ? out.getParent().getFileName().toString() : "anomalyclip";
            String version = r.version() != null ? r.version() : out.getFileName().toString();
            BundleManifest m = new BundleManifest(BundleManifest.FORMAT, BundleManifest.FORMAT_VERSION, name, version,
                    Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(), TOOL_VERSION, r.demo(), r.note(),
                    BundleManifest.Architecture.of(arch), BundleManifest.Settings.of(r.settings(), arch.visionLayers()),
                    BundleManifest.Preprocessing.openAi(r.settings().imageSize()), sources,
                    new BundleManifest.Files(ModelBundle.GRAPH, ModelBundle.GRAPH_DATA, ModelBundle.TEXT_EMBEDDINGS,
                            ModelBundle.PROMPT_LEARNER),
                    BundleManifest.Outputs.standard(), null, null, r.precision().id());
            ModelBundle.writeManifest(staging, m);
            replace(staging, out);
        } finally {
            FileTrees.deleteTree(staging);
        }
        progress.accept("bundle written to " + out);
        return ModelBundle.load(out);
    }

    /** A target may be absent, empty, or an earlier bundle; anything else is left alone. */
    private static void checkReplaceable(Path out) throws IOException {
        if (!Files.exists(out)) return;
        if (!Files.isDirectory(out)) throw new BundleException(out + " exists and is not a directory");
        try (Stream<Path> s = Files.list(out)) {
            if (s.findAny().isPresent() && !Files.exists(out.resolve(ModelBundle.MANIFEST))) {
                throw new BundleException(out + " is a non-empty directory that is not a model bundle; refusing to overwrite it");
            }
        }
    }

    private static void replace(Path staging, Path out) throws IOException {
        Path old = null;
        if (Files.exists(out)) {
            old = out.resolveSibling(out.getFileName() + ".old-" + ProcessHandle.current().pid());
            Files.move(out, old, StandardCopyOption.ATOMIC_MOVE);
        }
        Files.move(staging, out, StandardCopyOption.ATOMIC_MOVE);
        if (old != null) FileTrees.deleteTree(old);
    }

}
