package dev.anomalyedge.graph;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.anomalyedge.model.AnomalyClipSettings;
import dev.anomalyedge.model.ClipArchitecture;
import dev.anomalyedge.tensor.Tensor;
import dev.anomalyedge.testing.Golden;
import dev.anomalyedge.weights.Safetensors;
import dev.anomalyedge.weights.StateDict;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** One golden case's vision inputs: CLIP weights, settings from config.json, text embeddings and images. */
public record GoldenVision(String name, JsonNode config, StateDict weights, ClipArchitecture arch, AnomalyClipSettings settings,
                           float[] textEmbeddings, Tensor images) {

    private static final Map<String, GoldenVision> CACHE = new ConcurrentHashMap<>();

    public static GoldenVision load(String name) {
        return CACHE.computeIfAbsent(name, GoldenVision::read);
    }

    private static GoldenVision read(String name) {
        Path dir = Golden.caseDir(name);
        try {
            JsonNode c = new ObjectMapper().readTree(dir.resolve("config.json").toFile());
            StateDict sd = Safetensors.read(dir.resolve("clip/clip_weights.safetensors"));
            ClipArchitecture arch = ClipArchitecture.infer(sd, c.get("vision").get("heads").asInt(), c.get("text").get("heads").asInt());
            AnomalyClipSettings settings = new AnomalyClipSettings(c.get("image_size").asInt(), ints(c.get("features_list_1based")),
                    c.get("dpam_layer_argument").asInt(), List.of(), c.get("n_ctx").asInt(), c.get("depth").asInt(),
                    c.get("t_n_ctx").asInt(), c.get("sigma").asDouble(), AnomalyClipSettings.TapReduction.SUM);
            float[] text = Golden.npy(name, "text/text_features_norm.npy").floats();
            Tensor images = Golden.npy(name, "inputs/image_tensor.npy");
            return new GoldenVision(name, c, sd, arch, settings, text, images);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<Integer> ints(JsonNode array) {
        List<Integer> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asInt()));
        return out;
    }

    public int count() { return (int) images.dim(0); }

    public int size() { return settings.imageSize(); }

    /** Image i as a batch of one [1, 3, S, S]. */
    public float[] image(int i) { return Golden.first(images, i); }

    public Tensor npy(String relative) { return Golden.npy(name, relative); }

    /** A settings copy with another tap reduction / explicit DPAM list / DPAM argument. */
    public AnomalyClipSettings settings(AnomalyClipSettings.TapReduction reduction, List<Integer> dpamBlocks, int dpamLayer) {
        AnomalyClipSettings s = settings;
        return new AnomalyClipSettings(s.imageSize(), s.featuresList(), dpamLayer, dpamBlocks, s.nCtx(), s.depth(), s.tNCtx(),
                s.sigma(), reduction);
    }

    public ScoringGraphBuilder builder(AnomalyClipSettings s) {
        return new ScoringGraphBuilder(weights, arch, s, textEmbeddings);
    }

    /** Max |a − b|. */
    public static double maxDiff(float[] expected, float[] actual) {
        if (expected.length != actual.length) return Double.POSITIVE_INFINITY;
        double m = 0;
        for (int i = 0; i < expected.length; i++) {
            double d = Math.abs((double) expected[i] - actual[i]);
            if (Double.isNaN(d)) return Double.NaN;
            m = Math.max(m, d);
        }
        return m;
    }

    /** Asserts closeness and prints the measured max difference (collected in the report). */
    public void check(String what, float[] expected, float[] actual, double atol) {
        System.out.printf("[golden] %-22s %-34s max|diff| %.3e (tol %.0e)%n", name, what, maxDiff(expected, actual), atol);
        Golden.assertClose(name + " " + what, expected, actual, atol, 0);
    }

    /** Slice [.., index, ..] of a [K, N, rest...] tensor along axis 1 → [K, rest...]. */
    public static float[] axis1(Tensor t, int index) {
        int k = (int) t.dim(0), n = (int) t.dim(1);
        int rest = (int) (t.numel() / ((long) k * n));
        float[] out = new float[k * rest];
        for (int i = 0; i < k; i++) System.arraycopy(t.floats(), (i * n + index) * rest, out, i * rest, rest);
        return out;
    }
}
