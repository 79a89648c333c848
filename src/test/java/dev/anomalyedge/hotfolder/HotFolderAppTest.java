package dev.anomalyedge.hotfolder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.anomalyedge.synthetic.SyntheticParts;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The hot folder in the running application: an image renamed into the folder is inspected once the model serves, filed
 * with its result JSON, and that result is the one REST answers for its id; a recipe sub-folder made while it runs is
 * watched too.
 */
@QuarkusTest
@TestProfile(HotFolderAppTest.Enabled.class)
class HotFolderAppTest {
    static final Path DIR = Path.of("target/test-hotfolder").toAbsolutePath();

    public static class Enabled implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("appliance.hotfolder.enabled", "true", "appliance.hotfolder.dir", DIR.toString(),
                    "appliance.hotfolder.poll-interval", "200ms", "appliance.hotfolder.stable-for", "100ms");
        }
    }

    @Test
    void aFileRenamedIntoTheFolderIsInspectedFiledAndAnsweredOverRest() throws Exception {
        Files.createDirectories(DIR);
        String stem = "app-" + System.nanoTime(); // the folder outlives a run: a name of this run
        Path part = DIR.resolve(stem + ".png.part");
        Files.write(part, HotFolderTest.png(21, SyntheticParts.Defect.NONE));
        Files.move(part, DIR.resolve(stem + ".png"), StandardCopyOption.ATOMIC_MOVE);

        Path json = DIR.resolve("processed/UNCALIBRATED/" + stem + ".json");
        HotFolderTest.until(stem + " filed (the hot folder waits for the model)", java.time.Duration.ofSeconds(180), () -> Files.exists(json));
        JsonNode filed = new ObjectMapper().readTree(json.toFile());
        assertEquals(stem, filed.get("part_id").asText());
        assertEquals("hotfolder:" + stem + ".png", filed.get("source").asText());

        JsonNode rest = new ObjectMapper().readTree(RestAssured.given().get("/api/v1/inspections/" + filed.get("id").asText())
                .then().statusCode(200).extract().asString());
        assertEquals(filed, rest, "the same document as REST");
    }

    /** A recipe sub-folder made while the appliance runs is watched too: its image is inspected with that recipe's name. */
    @Test
    void aRecipeSubFolderMadeWhileServingIsWatched() throws Exception {
        String recipe = "late-" + System.nanoTime(); // no such recipe: the file is filed as an unknown_recipe ERROR
        Path sub = Files.createDirectories(DIR.resolve(recipe));
        Path part = sub.resolve("late.png.part");
        Files.write(part, HotFolderTest.png(22, SyntheticParts.Defect.NONE));
        Files.move(part, sub.resolve("late.png"), StandardCopyOption.ATOMIC_MOVE);

        Path json = sub.resolve("processed/ERROR/late.json");
        HotFolderTest.until("late.png in " + recipe + " filed", java.time.Duration.ofSeconds(180), () -> Files.exists(json));
        JsonNode filed = new ObjectMapper().readTree(json.toFile());
        assertEquals(recipe, filed.get("recipe").asText());
        assertEquals("unknown_recipe", filed.get("error").get("code").asText());
    }
}
