package dev.anomalyedge.cli;

import dev.anomalyedge.synthetic.SyntheticParts;
import dev.anomalyedge.testing.Golden;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import javax.imageio.ImageIO;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code recipe create / list / delete} on a model repository holding the demo bundle. */
class RecipeCommandTest {

    @Test
    void aRecipeIsCreatedWithItsBankForTheRepositorysModelThenDeleted() throws IOException {
        Path work = Golden.tempDir("recipe-cli-");
        assertEquals(0, new CommandLine(new DemoCommand()).execute("--out", work.toString(), "--untrained"));
        Path models = work.resolve("models");
        Path good = Files.createDirectories(work.resolve("good"));
        for (int seed = 1; seed <= 3; seed++) {
            ImageIO.write(SyntheticParts.generate(240, seed, SyntheticParts.Defect.NONE).image(), "png", good.resolve("p" + seed + ".png").toFile());
        }
        Files.writeString(good.resolve("notes.txt"), "not an image, skipped");

        int code = new CommandLine(new RecipeCommand()).execute("create", "--models", models.toString(), "--name", "disc",
                "--good", good.toString(), "--k", "2", "--roi", "10,10,220,200", "--tiles", "1x2:0.2", "--engine", "onnxruntime",
                "--threads", "2");
        assertEquals(0, code);
        Path dir = models.resolve("recipes/disc");
        String json = Files.readString(dir.resolve("recipe.json"));
        assertTrue(json.contains("\"k\" : 2") && json.contains("\"width\" : 220") && json.contains("\"cols\" : 2"), json);
        assertEquals(3, list(dir.resolve("references")).size(), "every good image is kept, the bank takes the first k");
        List<Path> banks = list(dir.resolve("banks"));
        assertEquals(3, banks.size(), "bank, its fusion statistics and its figures: " + banks);
        assertTrue(banks.stream().anyMatch(p -> p.getFileName().toString().endsWith(".npy.fusion.json")), banks.toString());
        assertTrue(banks.stream().anyMatch(p -> p.getFileName().toString().matches("demo-untrained-1-[0-9a-f]{12}\\.npy")), banks.toString());
        String info = Files.readString(banks.stream().filter(p -> p.toString().endsWith(".json") && !p.toString().endsWith(".fusion.json"))
                .findFirst().orElseThrow());
        assertTrue(info.contains("\"patches\" : " + 2 * 2 * 14 * 14), info); // k = 2 images × 2 tiles × 14² patches
        assertFalse(info.contains("\"threshold\" : null"), "leave-one-out over 2 bank images plus the third held out: " + info);

        assertEquals(2, new CommandLine(new RecipeCommand()).execute("create", "--models", models.toString(), "--name", "disc",
                "--good", good.toString()), "exists without --replace");
        assertEquals(2, new CommandLine(new RecipeCommand()).execute("create", "--models", models.toString(), "--name", "../x",
                "--good", good.toString()), "a bad name");
        assertEquals(2, new CommandLine(new RecipeCommand()).execute("create", "--models", models.toString(), "--name", "big",
                "--good", good.toString(), "--roi", "0,0,500,500"), "a ROI outside the images");
        assertEquals(2, new CommandLine(new RecipeCommand()).execute("create", "--models", models.toString(), "--name", "bounded",
                "--good", good.toString(), "--max-patches", "0"), "a coreset of no patch");
        assertEquals(0, new CommandLine(new RecipeCommand()).execute("create", "--models", models.toString(), "--name", "bounded",
                "--good", good.toString(), "--max-patches", "100", "--engine", "onnxruntime", "--threads", "2"));
        assertTrue(Files.readString(models.resolve("recipes/bounded/recipe.json")).contains("\"max_patches\" : 100"));
        assertEquals(0, new CommandLine(new RecipeCommand()).execute("list", "--models", models.toString()));
        assertEquals(0, new CommandLine(new RecipeCommand()).execute("delete", "--models", models.toString(), "--name", "disc"));
        assertFalse(Files.exists(dir));
        assertEquals(1, new CommandLine(new RecipeCommand()).execute("delete", "--models", models.toString(), "--name", "disc"));
    }

    private static List<Path> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }
}
