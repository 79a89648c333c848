package dev.anomalyedge.hotfolder;

import com.fasterxml.jackson.databind.JsonNode;
import dev.anomalyedge.inspection.InspectionResult;
import dev.anomalyedge.service.ServingAppliance;
import dev.anomalyedge.synthetic.SyntheticParts;
import dev.anomalyedge.testing.Golden;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * On a calibrated model the files are filed by their verdict: one under OK/ (result_code 0, pass) and one under NG/
 * (result_code 1). The demo's threshold is set between the two images' scores, so one of each is certain.
 */
class HotFolderVerdictTest {
    @TempDir
    Path dir;

    @Test
    void filesAreFiledUnderOkAndNgWithTheirResults() throws Exception {
        try (ServingAppliance appliance = ServingAppliance.start(Golden.tempDir("hotfolder-verdict-models-"))) {
            byte[] good = HotFolderTest.png(31, SyntheticParts.Defect.NONE);
            byte[] defect = HotFolderTest.png(32, SyntheticParts.Defect.SCRATCH);
            double a = appliance.inspections().trigger(good, "probe", null).score();
            double b = appliance.inspections().trigger(defect, "probe", null).score();
            assertNotEquals(a, b, "two different images score differently");
            appliance.serveCalibrated("calibrated-1", (a + b) / 2);
            String ngStem = a > b ? "good" : "defect"; // whichever scores higher is NG at this threshold

            Files.write(dir.resolve("good.png"), good);
            Files.write(dir.resolve("defect.png"), defect);
            HotFolder folder = new HotFolder(dir, Duration.ofMillis(50), Duration.ZERO, 33_554_432, appliance.inspections(),
                    HotFolderTest.JSON, appliance::serving, System::nanoTime);
            assertEquals(2, folder.scanOnce());

            String okStem = ngStem.equals("good") ? "defect" : "good";
            JsonNode ng = HotFolderTest.read(dir.resolve("processed/NG/" + ngStem + ".json"));
            assertEquals(1, ng.get("result_code").asInt());
            assertEquals("NG", ng.get("verdict").asText());
            assertEquals(ngStem, ng.get("part_id").asText());
            assertTrue(Files.isRegularFile(dir.resolve("processed/NG/" + ngStem + ".png")));
            JsonNode ok = HotFolderTest.read(dir.resolve("processed/OK/" + okStem + ".json"));
            assertEquals(0, ok.get("result_code").asInt());
            assertTrue(ok.get("pass").asBoolean());
            assertEquals("hotfolder:" + okStem + ".png", ok.get("source").asText());
            assertTrue(Files.isRegularFile(dir.resolve("processed/OK/" + okStem + ".png")));
        }
    }
}
