package dev.anomalyedge.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.anomalyedge.bundle.ModelBundle;
import dev.anomalyedge.tensor.Npy;
import dev.anomalyedge.tensor.Tensor;
import dev.anomalyedge.testing.CaseConfig;
import dev.anomalyedge.testing.Golden;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The two commands exactly as an operator runs them, on the golden checkpoints in every format: {@code export} then
 * {@code inspect} on the case's PNG files must reproduce the reference scores and smoothed maps.
 */
class ExportInspectGoldenTest {

    @ParameterizedTest(name = "{0} from {1}")
    @CsvSource({
            "case1_p14_s112_taps4, clip/clip_weights.pth, prompt_learner/prompt_learner_init.pth",
            "case2_p16_s96_top, clip/clip_weights.safetensors, prompt_learner/prompt_learner_init.pth",
            "case3_p14_s98_1head, clip/clip_weights_torchscript.pt, prompt_learner/prompt_learner_init.safetensors",
    })
    void exportThenInspectMatchesTheReference(String caseName, String clip, String prompts) throws Exception {
        CaseConfig cfg = CaseConfig.of(caseName);
        Path dir = Golden.caseDir(caseName);
        Path work = Golden.tempDir("export-inspect-");
        Path bundle = work.resolve("models/" + caseName + "/1");

        List<String> exportArgs = new ArrayList<>(List.of("--clip", dir.resolve(clip).toString(),
                "--prompts", dir.resolve(prompts).toString(), "--out", bundle.toString()));
        exportArgs.addAll(cfg.exportOptions());
        assertEquals(0, new CommandLine(new ExportCommand()).execute(exportArgs.toArray(String[]::new)));
        ModelBundle b = ModelBundle.load(bundle);
        assertEquals(cfg.imageSize(), b.imageSize());
        assertEquals(cfg.featuresList(), b.settings().featuresList());
        assertEquals(Files.size(dir.resolve(clip)) > 0, b.manifest().sources().get("clip").sha256().length() == 64);

        List<String> inspectArgs = new ArrayList<>(List.of("--bundle", bundle.toString(), "--out", work.resolve("out").toString()));
        for (int i = 0; i < cfg.images(); i++) inspectArgs.add(dir.resolve("images/img_" + i + ".png").toString());
        assertEquals(0, new CommandLine(new InspectCommand()).execute(inspectArgs.toArray(String[]::new)));

        JsonNode scores = new ObjectMapper().readTree(work.resolve("out/scores.json").toFile());
        Tensor goldenScores = Golden.npy(caseName, "scores/image_score.npy");
        Tensor goldenMaps = Golden.npy(caseName, "scores/anomaly_map_smoothed.npy");
        float[] ours = new float[cfg.images()];
        for (int i = 0; i < cfg.images(); i++) {
            ours[i] = (float) scores.get("img_" + i + ".png").get("score").asDouble();
            Tensor map = Npy.read(work.resolve("out/img_" + i + ".map.npy"));
            assertTrue(map.hasShape(cfg.imageSize(), cfg.imageSize()), "map shape " + map.shapeString());
            Golden.assertClose(caseName + " map " + i, Golden.first(goldenMaps, i), map.floats(), 2e-5, 0);
            assertTrue(Files.size(work.resolve("out/img_" + i + ".overlay.png")) > 100);
        }
        Golden.assertClose(caseName + " image scores", goldenScores.floats(), ours, 1e-5, 0);
    }
}
