package dev.anomalyedge.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.anomalyedge.bundle.ModelBundle;
import dev.anomalyedge.engine.ort.OrtAnomalyEngine;
import dev.anomalyedge.graph.Precision;
import dev.anomalyedge.tensor.Npy;
import dev.anomalyedge.testing.CaseConfig;
import dev.anomalyedge.testing.Golden;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code export --precision int8} and {@code export --from-bundle} as an operator runs them on golden case1, then
 * {@code inspect} and {@code benchmark} on the INT8 bundle. Deviation bounds as in graph.Int8GraphTest (about twice
 * the measured deviation).
 */
class ExportPrecisionCommandTest {
    private static final String CASE = "case1_p14_s112_taps4";
    private static final double SCORE_TOL = 2e-2, MAP_TOL = 5e-2;

    @Test
    void int8ExportIsRecordedInspectedAndBenchmarked() throws Exception {
        CaseConfig cfg = CaseConfig.of(CASE);
        Path dir = Golden.caseDir(CASE);
        Path work = Golden.tempDir("export-int8-");
        Path fp32 = work.resolve("models/case1/fp32"), int8 = work.resolve("models/case1/int8"), again = work.resolve("models/case1/again");

        assertEquals(0, export(cfg, dir, fp32, List.of()));
        assertEquals(0, export(cfg, dir, int8, List.of("--precision", "INT8")));
        JsonNode m32 = new ObjectMapper().readTree(fp32.resolve("bundle.json").toFile());
        JsonNode m8 = new ObjectMapper().readTree(int8.resolve("bundle.json").toFile());
        assertEquals("fp32", m32.get("precision").asText());
        assertEquals("int8", m8.get("precision").asText());
        assertFalse(m8.has("graph_precision"), "the accessor is not a manifest field");
        assertEquals(Precision.INT8, ModelBundle.load(int8).manifest().graphPrecision());
        assertTrue(Files.size(int8.resolve("visual.onnx.data")) < Files.size(fp32.resolve("visual.onnx.data")));
        try (OrtAnomalyEngine e = OrtAnomalyEngine.open(ModelBundle.load(int8).graphFile(), 1)) {
            assertEquals("onnxruntime-cpu-int8", e.backend());
        }

        // --from-bundle rebuilds the same INT8 graph from the FP32 bundle's recorded sources
        assertEquals(0, new CommandLine(new ExportCommand()).execute("--from-bundle", fp32.toString(), "--precision", "int8",
                "--out", again.toString()));
        assertArrayEquals(Files.readAllBytes(int8.resolve("visual.onnx.data")), Files.readAllBytes(again.resolve("visual.onnx.data")));
        assertEquals(ModelBundle.load(fp32).settings(), ModelBundle.load(again).settings());
        assertEquals("int8", ModelBundle.load(again).manifest().precision());
        assertNotEquals(0, new CommandLine(new ExportCommand()).execute("--from-bundle", fp32.toString(), "--clip", "x.pth",
                "--out", work.resolve("bad").toString()), "--from-bundle with --clip is refused");
        assertNotEquals(0, new CommandLine(new ExportCommand()).execute("--precision", "int4", "--from-bundle", fp32.toString(),
                "--out", work.resolve("bad").toString()), "unknown precision is refused");
        assertEquals(1, new CommandLine(new BuildEngineCommand()).execute("--bundle", int8.toString()),
                "an INT8 graph is refused for TensorRT before any GPU probe, with the way to an FP32 bundle");
        assertEquals(null, BuildEngineCommand.graphPrecision(fp32.resolve("visual.onnx")));
        assertEquals("int8", BuildEngineCommand.graphPrecision(int8.resolve("visual.onnx")));

        // inspect the INT8 bundle: close to the official FP32 reference, not equal to it
        List<String> inspectArgs = new ArrayList<>(List.of("--bundle", int8.toString(), "--out", work.resolve("out").toString()));
        for (int i = 0; i < cfg.images(); i++) inspectArgs.add(dir.resolve("images/img_" + i + ".png").toString());
        assertEquals(0, new CommandLine(new InspectCommand()).execute(inspectArgs.toArray(String[]::new)));
        JsonNode scores = new ObjectMapper().readTree(work.resolve("out/scores.json").toFile());
        float[] goldenScores = Golden.npy(CASE, "scores/image_score.npy").floats();
        float[] goldenMaps = Golden.npy(CASE, "scores/anomaly_map_smoothed.npy").floats();
        int s2 = cfg.imageSize() * cfg.imageSize();
        double worstScore = 0, worstMap = 0;
        for (int i = 0; i < cfg.images(); i++) {
            worstScore = Math.max(worstScore, Math.abs(scores.get("img_" + i + ".png").get("score").asDouble() - goldenScores[i]));
            float[] map = Npy.read(work.resolve("out/img_" + i + ".map.npy")).floats();
            for (int j = 0; j < s2; j++) worstMap = Math.max(worstMap, Math.abs(map[j] - goldenMaps[i * s2 + j]));
        }
        System.out.printf("[int8] %s export+inspect: max|score - official| %.3e, max|map - official| %.3e%n", CASE, worstScore, worstMap);
        assertTrue(worstScore < SCORE_TOL && worstMap < MAP_TOL, "score " + worstScore + ", map " + worstMap);
        assertTrue(worstScore > 0 || worstMap > 0);

        // benchmark prints its table and one JSON line naming the precision, per batch size in ascending order
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream old = System.out;
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        int rc;
        try {
            rc = new CommandLine(new BenchmarkCommand()).execute("--bundle", int8.toString(), "--engine", "onnxruntime",
                    "--threads", "1", "--batch-sizes", "2,1", "--runs", "1", "--reference", fp32.toString(), "--compare-images", "2");
        } finally {
            System.setOut(old);
        }
        String text = captured.toString(StandardCharsets.UTF_8);
        System.out.print(text);
        assertEquals(0, rc);
        String line = text.lines().filter(l -> l.startsWith(BenchmarkCommand.JSON_PREFIX)).findFirst().orElseThrow();
        JsonNode json = new ObjectMapper().readTree(line.substring(BenchmarkCommand.JSON_PREFIX.length()));
        assertEquals("int8", json.get("precision").asText());
        assertEquals("onnxruntime-cpu-int8", json.get("backend").asText());
        assertEquals(2, json.get("results").size());
        assertEquals(1, json.get("results").get(0).get("batch").asInt());
        assertEquals(2, json.get("results").get(1).get("batch").asInt());
        JsonNode d = json.get("deviation");
        assertEquals(2, d.get("images").asInt());
        assertTrue(d.get("score_max_abs").asDouble() > 0 && d.get("score_max_abs").asDouble() < SCORE_TOL, d.toString());
        assertTrue(d.get("map_max_abs").asDouble() > 0 && d.get("map_max_abs").asDouble() < MAP_TOL, d.toString());
        assertTrue(d.get("map_mean_abs").asDouble() <= d.get("map_max_abs").asDouble(), d.toString());
        for (JsonNode r : json.get("results")) {
            assertTrue(r.get("s_per_image").asDouble() > 0 && r.get("images_per_s").asDouble() > 0, r.toString());
            assertEquals(1.0, r.get("s_per_image").asDouble() * r.get("images_per_s").asDouble(), 0.01, r.toString());
        }
    }

    private static int export(CaseConfig cfg, Path dir, Path out, List<String> extra) {
        List<String> args = new ArrayList<>(List.of("--clip", dir.resolve("clip/clip_weights.safetensors").toString(),
                "--prompts", dir.resolve("prompt_learner/prompt_learner_init.pth").toString(), "--out", out.toString()));
        args.addAll(cfg.exportOptions());
        args.addAll(extra);
        return new CommandLine(new ExportCommand()).execute(args.toArray(String[]::new));
    }
}
