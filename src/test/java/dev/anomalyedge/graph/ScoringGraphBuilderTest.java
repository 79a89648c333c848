package dev.anomalyedge.graph;

import ai.onnx.proto.OnnxMl;
import dev.anomalyedge.engine.ort.OrtAnomalyEngine;
import dev.anomalyedge.model.AnomalyClipSettings;
import dev.anomalyedge.model.AnomalyClipSettings.TapReduction;
import dev.anomalyedge.tensor.Tensor;
import dev.anomalyedge.testing.Golden;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static dev.anomalyedge.graph.ScoringGraphBuilder.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The exported graph, run by ONNX Runtime, against every golden case's vision and scoring references. */
class ScoringGraphBuilderTest {
    private static final double TOKENS = 1e-5, PROBS = 1e-5, MAPS = 2e-5, POS = 1e-6;
    private static final int THREADS = 2;

    @TempDir
    static Path dir;
    private static final Map<String, OrtAnomalyEngine> DEBUG_ENGINES = new HashMap<>();

    /** One debug model per case, shared by the tests of this class. */
    private static synchronized OrtAnomalyEngine debugEngine(GoldenVision c) throws IOException {
        OrtAnomalyEngine e = DEBUG_ENGINES.get(c.name());
        if (e == null) {
            Path model = dir.resolve(c.name() + "-debug.onnx");
            c.builder(c.settings()).withDebugOutputs(true).write(model);
            e = OrtAnomalyEngine.open(model, THREADS);
            DEBUG_ENGINES.put(c.name(), e);
        }
        return e;
    }

    @AfterAll
    static void closeEngines() {
        DEBUG_ENGINES.values().forEach(OrtAnomalyEngine::close);
    }

    private static List<String> blockOutputs(GoldenVision c) {
        List<String> names = new ArrayList<>();
        for (int b = 0; b < c.arch().visionLayers(); b++) {
            if (c.settings().isDpamBlock(b, c.arch().visionLayers())) {
                names.add(debugBlockOutput(b + 1, "_ori"));
                names.add(debugBlockOutput(b + 1, "_vv"));
            } else {
                names.add(debugBlockOutput(b + 1, ""));
            }
        }
        return names;
    }

    @ParameterizedTest
    @MethodSource("dev.anomalyedge.testing.Golden#cases")
    void imageZeroIntermediatesMatchGolden(String name) throws IOException {
        GoldenVision c = GoldenVision.load(name);
        List<String> wanted = new ArrayList<>(List.of(DEBUG_POS_EMBED, DEBUG_EMBED_LN_PRE));
        List<String> blocks = blockOutputs(c);
        wanted.addAll(blocks);
        Map<String, Tensor> out = debugEngine(c).run(c.image(0), 1, wanted);

        c.check("pos_embed_interpolated", c.npy("vision/pos_embed_interpolated.npy").floats(), out.get(DEBUG_POS_EMBED).floats(), POS);
        c.check("embed_ln_pre_img0", c.npy("vision/embed_ln_pre_img0.npy").floats(), out.get(DEBUG_EMBED_LN_PRE).floats(), TOKENS);
        for (String b : blocks) {
            String file = "vision/blocks_img0/" + b.replace("debug.block_", "after_block_") + ".npy";
            assertArrayEquals(new long[] {1, c.settings().grid(c.arch()) * c.settings().grid(c.arch()) + 1, c.arch().visionWidth()},
                    out.get(b).shape(), b);
            c.check(file.substring(7), c.npy(file).floats(), out.get(b).floats(), TOKENS);
        }
    }

    @ParameterizedTest
    @MethodSource("dev.anomalyedge.testing.Golden#cases")
    void everyImageAloneMatchesGolden(String name) throws IOException {
        GoldenVision c = GoldenVision.load(name);
        Golden.caseDir(name);
        Reference ref = Reference.of(c);
        for (int i = 0; i < c.count(); i++) {
            Map<String, Tensor> out = debugEngine(c).run(c.image(i), 1, ALL);
            ref.compare(c, out, i, 0, "[img " + i + ", batch 1]");
        }
    }

    @ParameterizedTest
    @MethodSource("dev.anomalyedge.testing.Golden#cases")
    void allImagesInOneBatchMatchGolden(String name) throws IOException {
        GoldenVision c = GoldenVision.load(name);
        Reference ref = Reference.of(c);
        Map<String, Tensor> out = debugEngine(c).run(c.images().floats(), c.count(), ALL);
        assertArrayEquals(new long[] {c.count()}, out.get(OUTPUT_IMAGE_SCORE).shape());
        assertArrayEquals(new long[] {c.count(), c.size(), c.size()}, out.get(OUTPUT_ANOMALY_MAP).shape());
        for (int i = 0; i < c.count(); i++) ref.compare(c, out, i, i, "[img " + i + ", batch " + c.count() + "]");
    }

    private static final List<String> ALL = List.of(DEBUG_TAPS_RAW, OUTPUT_PATCH_FEATURES, DEBUG_CLS_TOKEN_FINAL, OUTPUT_IMAGE_FEATURES,
            DEBUG_PATCH_PROBS, OUTPUT_IMAGE_SCORE, DEBUG_ANOMALY_MAP_RAW, OUTPUT_ANOMALY_MAP);

    /** The golden per-image references of a case. */
    private record Reference(Tensor tapsRaw, Tensor tapsProj, Tensor cls, Tensor features, Tensor probs, Tensor scores, Tensor raw,
                             Tensor smoothed) {
        static Reference of(GoldenVision c) {
            return new Reference(c.npy("vision/taps_raw.npy"), c.npy("vision/taps_proj.npy"), c.npy("vision/cls_token_final.npy"),
                    c.npy("vision/image_features_raw.npy"), c.npy("scores/patch_probs.npy"), c.npy("scores/image_score.npy"),
                    c.npy("scores/anomaly_map_raw.npy"), c.npy("scores/anomaly_map_smoothed.npy"));
        }

        /** Compares golden image {@code i} with batch entry {@code j} of {@code out}. */
        void compare(GoldenVision c, Map<String, Tensor> out, int i, int j, String tag) {
            c.check("taps_raw " + tag, GoldenVision.axis1(tapsRaw, i), GoldenVision.axis1(out.get(DEBUG_TAPS_RAW), j), TOKENS);
            c.check("taps_proj " + tag, GoldenVision.axis1(tapsProj, i), GoldenVision.axis1(out.get(OUTPUT_PATCH_FEATURES), j), TOKENS);
            c.check("cls_token_final " + tag, Golden.first(cls, i), Golden.first(out.get(DEBUG_CLS_TOKEN_FINAL), j), TOKENS);
            c.check("image_features_raw " + tag, Golden.first(features, i), Golden.first(out.get(OUTPUT_IMAGE_FEATURES), j), TOKENS);
            c.check("patch_probs " + tag, GoldenVision.axis1(probs, i), GoldenVision.axis1(out.get(DEBUG_PATCH_PROBS), j), PROBS);
            c.check("image_score " + tag, new float[] {scores.floats()[i]}, new float[] {out.get(OUTPUT_IMAGE_SCORE).floats()[j]}, PROBS);
            c.check("anomaly_map_raw " + tag, Golden.first(raw, i), Golden.first(out.get(DEBUG_ANOMALY_MAP_RAW), j), MAPS);
            c.check("anomaly_map_smoothed " + tag, Golden.first(smoothed, i), Golden.first(out.get(OUTPUT_ANOMALY_MAP), j), MAPS);
        }
    }

    @ParameterizedTest
    @MethodSource("dev.anomalyedge.testing.Golden#cases")
    void meanTapReductionIsTheSumDividedByTheTapCount(String name) throws IOException {
        GoldenVision c = GoldenVision.load(name);
        Path model = dir.resolve(name + "-mean.onnx");
        c.builder(c.settings(TapReduction.MEAN, List.of(), c.settings().dpamLayer())).write(model);
        int k = c.settings().featuresList().size();
        float[] expected = c.npy("scores/anomaly_map_smoothed.npy").floats().clone();
        for (int i = 0; i < expected.length; i++) expected[i] /= k;
        try (OrtAnomalyEngine e = OrtAnomalyEngine.open(model, THREADS)) {
            var scores = e.score(c.images().floats(), c.count());
            c.check("anomaly_map_smoothed / K (MEAN)", expected, scores.maps(), MAPS / k);
            c.check("image_score (MEAN)", c.npy("scores/image_score.npy").floats(), scores.scores(), PROBS);
        }
    }

    @ParameterizedTest
    @MethodSource("dev.anomalyedge.testing.Golden#cases")
    void explicitDpamBlockListEqualToTheReferenceBlocksMatchesGolden(String name) throws IOException {
        GoldenVision c = GoldenVision.load(name);
        List<Integer> blocks = GoldenVision.ints(c.config().get("dpam_blocks_1based"));
        // dpamLayer is ignored once a list is given: 2 would mean "last block only"
        AnomalyClipSettings s = c.settings(TapReduction.SUM, blocks, 2);
        assertEquals(blocks, s.dpamBlocksFor(c.arch().visionLayers()));
        Path model = dir.resolve(name + "-explicit.onnx");
        c.builder(s).write(model);
        try (OrtAnomalyEngine e = OrtAnomalyEngine.open(model, THREADS)) {
            var scores = e.score(c.images().floats(), c.count());
            c.check("anomaly_map_smoothed (explicit DPAM)", c.npy("scores/anomaly_map_smoothed.npy").floats(), scores.maps(), MAPS);
            c.check("image_score (explicit DPAM)", c.npy("scores/image_score.npy").floats(), scores.scores(), PROBS);
        }
    }

    /** An explicit list naming every block behaves like DPAM_layer = L + 1 (all blocks DPAM). */
    @Test
    void explicitListOfAllBlocksEqualsTheCountingForm() throws IOException {
        GoldenVision c = GoldenVision.load("case3_p14_s98_1head");
        int layers = c.arch().visionLayers();
        Path counted = dir.resolve("all-counted.onnx"), listed = dir.resolve("all-listed.onnx");
        c.builder(c.settings(TapReduction.SUM, List.of(), layers + 1)).withDebugOutputs(true).write(counted);
        c.builder(c.settings(TapReduction.SUM, IntStream.rangeClosed(1, layers).boxed().toList(), 2)).withDebugOutputs(true).write(listed);
        List<String> names = List.of(DEBUG_TAPS_RAW, OUTPUT_ANOMALY_MAP, OUTPUT_IMAGE_SCORE, debugBlockOutput(1, "_vv"));
        try (OrtAnomalyEngine a = OrtAnomalyEngine.open(counted, THREADS); OrtAnomalyEngine b = OrtAnomalyEngine.open(listed, THREADS)) {
            Map<String, Tensor> x = a.run(c.images().floats(), c.count(), names);
            Map<String, Tensor> y = b.run(c.images().floats(), c.count(), names);
            for (String n : names) assertArrayEquals(x.get(n).floats(), y.get(n).floats(), 0f, n);
            // block 1 is now a DPAM block, so tap 1 is its V-V path and differs from the golden (standard block) tap
            float[] golden = GoldenVision.axis1(c.npy("vision/taps_raw.npy"), 0);
            assertTrue(GoldenVision.maxDiff(golden, GoldenVision.axis1(x.get(DEBUG_TAPS_RAW), 0)) > 1e-3);
        }
    }

    /** DPAM on blocks 1 and 3 of 4: the original path stays plain CLIP and block 3's V-V path restarts from x_2. */
    @Test
    void aGapInTheDpamListRestartsTheVvPath() throws IOException {
        GoldenVision c = GoldenVision.load("case3_p14_s98_1head");
        Path gap = dir.resolve("gap.onnx"), last = dir.resolve("last-two.onnx");
        c.builder(c.settings(TapReduction.SUM, List.of(1, 3), 2)).withDebugOutputs(true).write(gap);
        c.builder(c.settings(TapReduction.SUM, List.of(), 3)).withDebugOutputs(true).write(last);  // blocks 3, 4
        try (OrtAnomalyEngine a = OrtAnomalyEngine.open(gap, THREADS); OrtAnomalyEngine b = OrtAnomalyEngine.open(last, THREADS)) {
            Map<String, Tensor> x = a.run(c.image(0), 1, List.of(debugBlockOutput(1, "_ori"), debugBlockOutput(1, "_vv"),
                    debugBlockOutput(2, ""), debugBlockOutput(3, "_ori"), debugBlockOutput(3, "_vv")));
            Map<String, Tensor> y = b.run(c.image(0), 1, List.of(debugBlockOutput(3, "_ori"), debugBlockOutput(3, "_vv")));
            c.check("gap: block 1 original path", c.npy("vision/blocks_img0/after_block_01.npy").floats(),
                    x.get(debugBlockOutput(1, "_ori")).floats(), TOKENS);
            c.check("gap: block 2 (standard)", c.npy("vision/blocks_img0/after_block_02_ori.npy").floats(),
                    x.get(debugBlockOutput(2, "")).floats(), TOKENS);
            c.check("gap: block 3 V-V restarts", y.get(debugBlockOutput(3, "_vv")).floats(), x.get(debugBlockOutput(3, "_vv")).floats(), 1e-6);
            c.check("gap: block 3 original path", y.get(debugBlockOutput(3, "_ori")).floats(), x.get(debugBlockOutput(3, "_ori")).floats(), 1e-6);
            assertTrue(GoldenVision.maxDiff(c.npy("vision/blocks_img0/after_block_01.npy").floats(), x.get(debugBlockOutput(1, "_vv")).floats()) > 1e-3,
                    "block 1 V-V path differs from the plain block output");
        }
    }

    @ParameterizedTest
    @MethodSource("dev.anomalyedge.testing.Golden#cases")
    void weightsAreStoredAsAlignedExternalData(String name) throws IOException {
        GoldenVision c = GoldenVision.load(name);
        Path model = dir.resolve(name + "-external.onnx");
        ScoringGraphBuilder.WrittenModel written = c.builder(c.settings()).write(model);
        assertEquals(model, written.model());
        assertEquals(dir.resolve(name + "-external.onnx.data"), written.data());
        assertTrue(Files.isRegularFile(written.data()));

        OnnxMl.ModelProto proto;
        try (InputStream in = Files.newInputStream(model)) {
            proto = OnnxMl.ModelProto.parseFrom(in);
        }
        assertEquals(8, proto.getIrVersion());
        assertEquals(17, proto.getOpsetImport(0).getVersion());
        long weightBytes = 0, visionFloats = 0, externalFloats = 0, inlineBytes = 0;
        for (var e : c.weights().asMap().entrySet()) if (e.getKey().startsWith("visual.")) visionFloats += e.getValue().numel();
        for (OnnxMl.TensorProto t : proto.getGraph().getInitializerList()) {
            if (t.getDataLocation() != OnnxMl.TensorProto.DataLocation.EXTERNAL) {
                assertTrue(t.getName().startsWith("const."), "only small constants are inline: " + t.getName());
                inlineBytes += t.getSerializedSize();
                continue;
            }
            Map<String, String> ext = new HashMap<>();
            t.getExternalDataList().forEach(kv -> ext.put(kv.getKey(), kv.getValue()));
            assertEquals(written.data().getFileName().toString(), ext.get("location"), t.getName());
            long offset = Long.parseLong(ext.get("offset")), length = Long.parseLong(ext.get("length"));
            assertEquals(0, offset % 64, t.getName() + " offset " + offset);
            long numel = t.getDimsList().stream().mapToLong(Long::longValue).reduce(1, (x, y) -> x * y);
            assertEquals(numel * 4, length, t.getName());
            assertTrue(offset + length <= Files.size(written.data()), t.getName() + " lies inside the data file");
            weightBytes += length;
            if (t.getName().startsWith("visual.")) externalFloats += numel;
        }
        // every checkpoint weight is external (the positional embedding is stored resized)
        long storedPos = c.weights().get("visual.positional_embedding").numel();
        long grid = c.settings().grid(c.arch());
        assertEquals(visionFloats - storedPos + (grid * grid + 1) * c.arch().visionWidth(), externalFloats);
        assertTrue(Files.size(written.data()) >= weightBytes);
        // the .onnx holds the graph only: its size is the nodes' text plus a few shape constants, no weights
        assertTrue(inlineBytes < 4096, "inline constants take " + inlineBytes + " bytes");
        long perBlock = Files.size(model) / c.arch().visionLayers();
        assertTrue(perBlock < 16 * 1024, "graph of " + Files.size(model) + " bytes is larger than 16 KiB per block");
        System.out.printf("[golden] %-22s model %d bytes (inline constants %d), data %d bytes%n", name, Files.size(model), inlineBytes,
                Files.size(written.data()));
    }

    @Test
    void aMissingWeightNamesTheKeyAndLeavesNoPartialFiles() {
        GoldenVision c = GoldenVision.load("case3_p14_s98_1head");
        Map<String, Tensor> partial = new java.util.LinkedHashMap<>(c.weights().asMap());
        partial.remove("visual.ln_post.weight");
        var sd = new dev.anomalyedge.weights.StateDict("broken.safetensors", partial);
        Path model = dir.resolve("broken.onnx");
        var e = assertThrows(dev.anomalyedge.weights.CheckpointException.class,
                () -> new ScoringGraphBuilder(sd, c.arch(), c.settings(), c.textEmbeddings()).write(model));
        assertEquals("broken.safetensors: missing key 'visual.ln_post.weight'", e.getMessage());
        assertTrue(Files.notExists(model) && Files.notExists(dir.resolve("broken.onnx.data")), "partial files removed");
    }

    @Test
    void textEmbeddingsOfTheWrongSizeAreRefused() {
        GoldenVision c = GoldenVision.load("case2_p16_s96_top");
        var e = assertThrows(IllegalArgumentException.class,
                () -> new ScoringGraphBuilder(c.weights(), c.arch(), c.settings(), new float[3]));
        assertTrue(e.getMessage().contains("[2, 48]") && e.getMessage().contains("got 3"), e.getMessage());
    }

    @Test
    void aFeaturesListNamingABlockTwiceIsRefused() {
        GoldenVision c = GoldenVision.load("case2_p16_s96_top");
        AnomalyClipSettings s = new AnomalyClipSettings(96, List.of(6, 6), 6, List.of(), 12, 3, 4, 4, TapReduction.SUM);
        var e = assertThrows(IllegalArgumentException.class, () -> c.builder(s));
        assertEquals("features list [6, 6] names a block twice", e.getMessage());
    }

    @Test
    void settingsThatDoNotFitTheModelAreRefused() {
        GoldenVision c = GoldenVision.load("case2_p16_s96_top");
        AnomalyClipSettings s = new AnomalyClipSettings(96, List.of(7), 6, List.of(), 12, 3, 4, 4, TapReduction.SUM);
        var e = assertThrows(IllegalArgumentException.class, () -> c.builder(s));
        assertTrue(e.getMessage().contains("7"), e.getMessage());
    }
}
