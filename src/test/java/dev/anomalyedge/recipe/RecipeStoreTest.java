package dev.anomalyedge.recipe;

import dev.anomalyedge.fewshot.MemoryBank;
import dev.anomalyedge.tensor.Half;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RecipeStoreTest {
    static final byte[] PNG = {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10, 1, 2, 3};
    static final byte[] JPG = {(byte) 0xff, (byte) 0xd8, (byte) 0xff, 0, 1};

    @TempDir
    Path dir;

    @Test
    void aRecipeRoundTripsWithItsImagesAsUploaded() throws IOException {
        RecipeStore store = new RecipeStore(dir.resolve("recipes"));
        RecipeSettings s = new RecipeSettings(2, new Roi(1, 2, 30, 40), new Tiles(2, 2, 0.1), RecipeSettings.Mode.FEW_SHOT);
        Recipe r = store.create("bolt-M8", s, List.of(up("a.png", PNG), up("b.jpg", JPG), up("c.png", PNG)), List.of(up("v.png", PNG)), false);
        assertEquals(List.of("000.png", "001.jpg", "002.png"), r.references());
        assertEquals(List.of("000.png"), r.validation());
        Recipe back = store.get("bolt-M8").orElseThrow();
        assertEquals(r, back);
        assertEquals(s, back.settings());
        assertEquals(2, back.bankImages());
        assertArrayEquals(JPG, Files.readAllBytes(store.imageFile("bolt-M8", "references", "001.jpg")));
        assertEquals(List.of("bolt-M8"), store.list().stream().map(Recipe::name).toList());
        assertTrue(store.get("other").isEmpty());
        assertNoStagingLeft(store);
    }

    @Test
    void anExistingRecipeIsReplacedOnlyWhenAsked() throws IOException {
        RecipeStore store = new RecipeStore(dir);
        Recipe first = store.create("p", RecipeSettings.defaults(), List.of(up("a", PNG)), List.of(), false);
        assertThrows(RecipeStore.Exists.class, () -> store.create("p", RecipeSettings.defaults(), List.of(up("a", JPG)), List.of(), false));
        Recipe second = store.create("p", RecipeSettings.defaults(), List.of(up("a", JPG), up("b", JPG)), List.of(), true);
        assertNotEquals(first.id(), second.id());
        assertEquals(List.of("000.jpg", "001.jpg"), store.get("p").orElseThrow().references());
        assertFalse(Files.exists(dir.resolve("p/references/000.png")), "the old images went with the old recipe");
        assertNoStagingLeft(store);
        assertTrue(store.delete("p"));
        assertFalse(store.delete("p"));
        assertTrue(store.get("p").isEmpty());
        assertNoStagingLeft(store);
    }

    @Test
    void hostileNamesNeverLeaveTheFolder() {
        RecipeStore store = new RecipeStore(dir.resolve("recipes"));
        for (String bad : new String[] {"..", ".", "../x", "a/b", "a\\b", "", ".hidden", "-rf", "x".repeat(65), "a b", "é", "a\u0000b"}) {
            assertThrows(RecipeException.class, () -> store.create(bad, RecipeSettings.defaults(), List.of(up("a", PNG)), List.of(), false), bad);
            assertThrows(RecipeException.class, () -> store.get(bad), bad);
            assertThrows(RecipeException.class, () -> store.delete(bad), bad);
        }
        for (String bad : new String[] {"../recipe.json", "000.png/../../x", "recipe.json", "000.PNG", ""}) {
            assertThrows(RecipeException.class, () -> store.imageFile("p", "references", bad), bad);
        }
        assertFalse(Files.exists(dir.resolve("x")));
    }

    @Test
    void badSettingsAreRefusedWithTheReason() {
        assertThrows(RecipeException.class, () -> new Roi(-1, 0, 10, 10));
        assertThrows(RecipeException.class, () -> new Roi(0, 0, 0, 10));
        assertThrows(RecipeException.class, () -> Roi.parse("1,2,3"));
        RecipeException outside = assertThrows(RecipeException.class, () -> new Roi(10, 10, 100, 100).checkInside(64, 64, "a.png"));
        assertTrue(outside.getMessage().contains("outside a.png (64x64)"), outside.getMessage());
        assertThrows(RecipeException.class, () -> RecipeSettings.parse("{\"k\": 0}"));
        assertThrows(RecipeException.class, () -> RecipeSettings.parse("{\"mode\": \"zero\"}"));
        assertThrows(RecipeException.class, () -> RecipeSettings.parse("{\"roi\": {\"x\": 0, \"y\": 0, \"width\": -5, \"height\": 4}}"));
        assertThrows(RecipeException.class, () -> RecipeSettings.parse("{\"tiles\": {\"rows\": 99, \"cols\": 1, \"overlap\": 0}}"));
        assertThrows(RecipeException.class, () -> RecipeSettings.parse("{\"shots\": 4}"), "unknown field");
        assertThrows(RecipeException.class, () -> RecipeSettings.parse("{not json"));
        RecipeSettings s = RecipeSettings.parse("{\"k\": 2, \"roi\": {\"x\": 1, \"y\": 2, \"width\": 3, \"height\": 4},"
                + " \"tiles\": {\"rows\": 2, \"cols\": 3, \"overlap\": 0.25}, \"mode\": \"few_shot\"}");
        assertEquals(new RecipeSettings(2, new Roi(1, 2, 3, 4), new Tiles(2, 3, 0.25), RecipeSettings.Mode.FEW_SHOT), s);
        assertEquals(RecipeSettings.defaults(), RecipeSettings.parse(null));
        RecipeStore store = new RecipeStore(dir);
        assertThrows(RecipeException.class, () -> store.create("p", new RecipeSettings(3, null, null, null), List.of(up("a", PNG)), List.of(), false),
                "k above the images");
        assertThrows(RecipeException.class, () -> store.create("p", new RecipeSettings(8, null, new Tiles(8, 8, 0), null),
                java.util.Collections.nCopies(8, up("a", PNG)), List.of(), false), "a bank over the bound");
    }

    @Test
    void aBankRoundTripsAndIsIgnoredForAReplacedRecipe() throws IOException {
        RecipeStore store = new RecipeStore(dir);
        Recipe r = store.create("p", RecipeSettings.defaults(), List.of(up("a", PNG)), List.of(), false);
        short[] half = new short[2 * 3 * 4];
        for (int i = 0; i < half.length; i++) half[i] = Half.fromFloat(i / 10f - 1);
        MemoryBank bank = MemoryBank.ofHalf(2, 3, 4, half);
        RecipeStore.BankInfo info = new RecipeStore.BankInfo(r.id(), "demo/1", "demo-1-abc", 0.4, "rule", List.of(0.1, 0.2), 3, bank.bytes(), "now");
        store.writeBank(r, "demo-1-abc", bank, info);
        RecipeStore.StoredBank back = store.readBank(r, "demo-1-abc").orElseThrow();
        assertArrayEquals(half, back.bank().halfValues());
        assertEquals(info, back.info());
        assertEquals(info, store.readBankInfo(r, "demo-1-abc").orElseThrow());
        assertTrue(store.readBank(r, "other-model").isEmpty());
        Recipe replaced = store.create("p", RecipeSettings.defaults(), List.of(up("a", JPG)), List.of(), true);
        store.writeBank(r, "demo-1-abc", bank, info); // a build of the old recipe finishing late
        assertTrue(store.readBank(replaced, "demo-1-abc").isEmpty(), "a bank of the old images is not the new recipe's");
    }

    /** A threshold calibrated by an older scoring (standardised fused scores, stored without a version) is not used. */
    @Test
    void aBankCalibratedByAnOlderScoringIsBuiltAgain() throws IOException {
        RecipeStore store = new RecipeStore(dir);
        Recipe r = store.create("p", RecipeSettings.defaults(), List.of(up("a", PNG)), List.of(), false);
        MemoryBank bank = MemoryBank.ofHalf(1, 1, 2, new short[] {Half.fromFloat(1), Half.fromFloat(0)});
        store.writeBank(r, "m", bank, new RecipeStore.BankInfo(r.id(), "demo/1", "m", 5.0, "rule", List.of(1.0), 1, bank.bytes(), "then",
                RecipeStore.SCORING - 1));
        assertTrue(store.readBank(r, "m").isEmpty());
        assertTrue(store.readBankInfo(r, "m").isEmpty());
        // a file from before the version existed (no "scoring" field) reads as version 0: built again too
        Path json = dir.resolve("p/banks/m.json");
        Files.writeString(json, Files.readString(json).replaceAll(",?\\s*\"scoring\"\\s*:\\s*\\d+", ""));
        assertTrue(!Files.readString(json).contains("scoring") && store.readBank(r, "m").isEmpty(), Files.readString(json));
    }

    private static RecipeStore.Upload up(String name, byte[] b) {
        return new RecipeStore.Upload(name, b);
    }

    private static void assertNoStagingLeft(RecipeStore store) throws IOException {
        try (Stream<Path> s = Files.list(store.dir())) {
            assertEquals(List.of(), s.filter(p -> p.getFileName().toString().startsWith(".")).toList());
        }
    }
}
