package dev.anomalyedge.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.anomalyedge.training.DemoFixture;
import dev.anomalyedge.training.data.SyntheticDataset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code evaluate} on an MVTec layout measures the test split, as the published protocol; train/good only on request. */
class EvaluateCommandTest {
    @TempDir
    Path tmp;

    @Test
    void measuresTheTestSplitByDefaultAndTrainGoodWithTheOption() throws Exception {
        DemoFixture fx = DemoFixture.get();
        Path bundle = fx.untrainedBundle().dir();
        Path data = SyntheticDataset.generate(tmp.resolve("data"), 404, 4, 3, 5, 64); // 4 train/good, 3 test/good, 5 anomalous

        JsonNode protocol = evaluate(bundle, data, tmp.resolve("protocol"));
        assertEquals(8, protocol.at("/counts/demo_part/images").asInt());
        assertEquals(3, protocol.at("/counts/demo_part/good").asInt());
        assertEquals(5, protocol.at("/counts/demo_part/anomalous").asInt());
        assertTrue(protocol.at("/notes").toString().contains("4 image(s) of the train split not in the metrics"), protocol.toString());

        JsonNode withTrain = evaluate(bundle, data, tmp.resolve("with-train"), "--include-train-good");
        assertEquals(12, withTrain.at("/counts/demo_part/images").asInt());
        assertEquals(7, withTrain.at("/counts/demo_part/good").asInt());

        String err = InspectCommandTest.run(new EvaluateCommand(), "--bundle", bundle.toString(), "--data", fx.goodOnly.toString(),
                "--out", tmp.resolve("none").toString(), "--threads", "2");
        assertTrue(err.contains("no image of the test split") && err.contains("--include-train-good"), err);
    }

    @Test
    void shotsBuildOneBankPerClassAndReportTheThreeScoringsSideBySide() throws Exception {
        Path bundle = DemoFixture.get().untrainedBundle().dir();
        Path data = SyntheticDataset.generate(tmp.resolve("shots-data"), 505, 3, 3, 6, 64); // train/good = the references

        JsonNode m = evaluate(bundle, data, tmp.resolve("shots"), "--shots", data.toString(), "--k", "2");
        assertEquals(9, m.at("/counts/demo_part/images").asInt());
        assertTrue(m.at("/classes/demo_part/image_auroc").isNumber() && m.at("/classes/demo_part/pixel_auroc").isNumber(), m.toString());
        assertTrue(m.at("/notes").toString().contains("memory bank of 2 reference image(s)"), m.toString());
        String md = Files.readString(tmp.resolve("shots/metrics.md"));
        assertTrue(md.contains("| class | k | zero-shot | few-shot | fused |") && md.contains("| demo_part | 2 |"), md);

        // the zero-shot column is today's evaluation exactly
        JsonNode plain = evaluate(bundle, data, tmp.resolve("plain"));
        String zs = String.format(java.util.Locale.ROOT, "| demo_part | 2 | %.1f / %.1f |", 100 * plain.at("/classes/demo_part/image_auroc").asDouble(),
                100 * plain.at("/classes/demo_part/pixel_auroc").asDouble());
        assertTrue(md.contains(zs), zs + " in\n" + md);

        String err = InspectCommandTest.run(new EvaluateCommand(), "--bundle", bundle.toString(), "--data", data.toString(),
                "--out", tmp.resolve("too-many").toString(), "--shots", data.toString(), "--k", "5", "--threads", "2");
        assertTrue(err.contains("3 image(s), --k asks for 5"), err);
    }

    private static JsonNode evaluate(Path bundle, Path data, Path out, String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("--bundle", bundle.toString(), "--data", data.toString(), "--out", out.toString(),
                "--batch-size", "4", "--threads", "2"));
        args.addAll(List.of(extra));
        assertEquals(0, new CommandLine(new EvaluateCommand()).execute(args.toArray(new String[0])));
        return new ObjectMapper().readTree(out.resolve("metrics.json").toFile());
    }
}
