package dev.anomalyedge.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.anomalyedge.tensor.Tensor;
import dev.anomalyedge.testing.Golden;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClipTokenizerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static ClipTokenizer full;

    @BeforeAll
    static void loadFullVocabulary() {
        full = ClipTokenizer.load(Golden.caseDir("tokenizer_full_vocab").resolve("bpe_simple_vocab_16e6.txt.gz"));
    }

    @Test
    void fullVocabularyHasClipSizeAndSpecialIds() {
        assertEquals(49408, full.vocabSize());
        assertEquals(ClipTokenizer.CLIP_MERGES, full.mergeCount());
        assertEquals(49406, full.sotId());
        assertEquals(49407, full.eotId());
        assertEquals("x</w>", full.token(343));
        assertEquals(".</w>", full.token(269));
        assertEquals("!", full.token(0)); // first printable byte
        assertEquals("Ā", full.token(188)); // byte 0 maps to U+0100, the first non-printable symbol
    }

    @Test
    void fullVocabularyMatchesGoldenJsonAndNpy() throws IOException {
        Path dir = Golden.caseDir("tokenizer_full_vocab");
        JsonNode root = JSON.readTree(dir.resolve("token_ids.json").toFile());
        int context = root.get("context_length").asInt();
        List<String> texts = new ArrayList<>();
        for (JsonNode c : root.get("cases")) {
            String text = c.get("text").asText();
            texts.add(text);
            int[] expectedIds = ints(c.get("ids"));
            int[] ids = full.encode(text);
            assertArrayEquals(Arrays.copyOfRange(expectedIds, 1, expectedIds.length - 1), ids, "ids of '" + text + "'");
            List<String> expectedTokens = new ArrayList<>();
            c.get("tokens").forEach(t -> expectedTokens.add(t.asText()));
            List<String> tokens = new ArrayList<>();
            for (int id : expectedIds) tokens.add(full.token(id));
            assertEquals(expectedTokens, tokens, "token strings of '" + text + "'");
        }
        Tensor npy = Golden.npy("tokenizer_full_vocab", "token_ids.npy");
        assertArrayEquals(new long[] {texts.size(), context}, npy.shape());
        assertArrayEquals(npy.longs(), flatten(full.tokenize(texts, context)));
    }

    static Stream<String> cases() { return Golden.cases(); }

    @ParameterizedTest
    @MethodSource("cases")
    void reducedVocabularyOfEachCaseMatchesGolden(String caseName) throws IOException {
        Path dir = Golden.caseDir(caseName).resolve("tokenizer");
        ClipTokenizer tok = ClipTokenizer.load(dir.resolve("bpe_merges.txt"));
        JsonNode prompts = JSON.readTree(dir.resolve("prompts.json").toFile());
        assertEquals(prompts.get("vocab_size").asInt(), tok.vocabSize());
        assertEquals(prompts.get("sot").asInt(), tok.sotId());
        assertEquals(prompts.get("eot").asInt(), tok.eotId());

        List<String> texts = new ArrayList<>();
        prompts.get("texts").forEach(t -> texts.add(t.asText()));
        long[][] ids = tok.tokenize(texts, 77);
        Tensor expected = Golden.npy(caseName, "tokenizer/tokenized_prompts.npy");
        assertArrayEquals(new long[] {2, 77}, expected.shape());
        assertArrayEquals(expected.longs(), flatten(ids));

        // the BPE segmentation equals the full vocabulary's, token by token
        for (int t = 0; t < texts.size(); t++) {
            List<String> tokens = new ArrayList<>();
            for (int id : tok.encode(texts.get(t))) tokens.add(tok.token(id));
            List<String> expectedTokens = new ArrayList<>();
            prompts.get("tokens").get(t).forEach(x -> expectedTokens.add(x.asText()));
            assertEquals(expectedTokens, tokens);
            int[] fullIds = ints(prompts.get("ids_with_full_clip_vocab").get(t));
            long[] ours = full.tokenize(List.of(texts.get(t)), 77)[0];
            for (int i = 0; i < fullIds.length; i++) assertEquals(fullIds[i], ours[i]);
        }
    }

    @Test
    void tooLongTextIsRejectedNamingTheContext() {
        String longText = "x ".repeat(76);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> full.tokenize(List.of(longText), 77));
        assertTrue(e.getMessage().contains("context length 77"), e.getMessage());
        // exactly 75 words + SOT + EOT fits
        long[] fits = full.tokenize(List.of("x ".repeat(75)), 77)[0];
        assertEquals(49407, fits[76]);
    }

    @Test
    void cleaningCollapsesWhitespaceUnescapesHtmlAndLowerCases() {
        assertEquals("a b c", ClipTokenizer.clean("  A\t\n B\u00a0\u2003C  "));
        assertEquals("a & b < c", ClipTokenizer.clean("A &amp;amp; B &lt; C"));
        assertEquals("€ é", ClipTokenizer.clean("&#128; &#xE9;"));
        assertEquals("&unknown;", ClipTokenizer.clean("&unknown;"));
        assertArrayEquals(full.encode("damaged object"), full.encode("  DAMAGED\n\nObject "));
    }

    @Test
    void unknownMergesFileLinesAreReportedWithTheLine() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ClipTokenizer.fromMergesText("#version\na b\nbroken\n", "m.txt"));
        assertTrue(e.getMessage().contains("m.txt: line 3"), e.getMessage());
    }

    @Test
    void aWrongFileIsReportedWithoutItsContent(@TempDir Path tmp) throws IOException {
        // a shadow file passed as --bpe: the message gives the file and line number, never the hash
        Path shadow = Files.writeString(tmp.resolve("shadow"), "root:$6$Zq9salt$Hunter2HashHunter2Hash:19000:0:99999:7:::\n"
                + "daemon:*:19000:0:99999:7:::\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ClipTokenizer.load(shadow));
        assertTrue(e.getMessage().contains(shadow + ": line 2") && e.getMessage().contains("not a CLIP BPE merges file"),
                e.getMessage());
        assertTrue(!e.getMessage().contains("Hunter2") && !e.getMessage().contains("daemon"), e.getMessage());
    }

    @Test
    void aGzipBombIsNotInflatedPastTheLimit(@TempDir Path tmp) throws IOException {
        Path bomb = tmp.resolve("bpe_simple_vocab_16e6.txt.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(bomb))) {
            byte[] line = "a b\n".repeat(1 << 16).getBytes(StandardCharsets.US_ASCII); // 256 KiB
            for (int i = 0; i < 256; i++) out.write(line); // 64 MiB of text
        }
        assertTrue(Files.size(bomb) < (1 << 20), "a small file: " + Files.size(bomb));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ClipTokenizer.load(bomb));
        assertTrue(e.getMessage().contains(bomb.toString()) && e.getMessage().contains("decompresses to more than"),
                e.getMessage());

        Path big = tmp.resolve("big.txt");
        try (var ch = java.nio.channels.FileChannel.open(big, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(new byte[] {'\n'}), ClipTokenizer.MAX_MERGES_BYTES); // sparse, one byte too many
        }
        e = assertThrows(IllegalArgumentException.class, () -> ClipTokenizer.load(big));
        assertTrue(e.getMessage().contains(big.toString()) && e.getMessage().contains("more than the"), e.getMessage());
    }

    @Test
    void nonAsciiTextIsEncodedByteLevel() {
        // every byte has a symbol, so any text encodes; é is two UTF-8 bytes
        int[] ids = full.encode("é");
        StringBuilder sb = new StringBuilder();
        for (int id : ids) sb.append(full.token(id));
        assertEquals("Ã©</w>", sb.toString());
    }

    private static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) out[i] = array.get(i).asInt();
        return out;
    }

    private static long[] flatten(long[][] rows) {
        return Arrays.stream(rows).flatMapToLong(Arrays::stream).toArray();
    }
}
