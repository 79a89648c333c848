package dev.anomalyedge.tokenizer;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

/**
 * OpenAI CLIP's byte-level BPE tokenizer, as in AnomalyCLIP's {@code AnomalyCLIP_lib/simple_tokenizer.py}
 * (docs/method.md §6.1).
 *
 * <p>Vocabulary, in id order: the 256 byte symbols of {@link ByteSymbols} (in their table order), the same 256
 * with {@code </w>}, one entry per merge (the two halves concatenated), then {@code <|startoftext|>} and
 * {@code <|endoftext|>}. The merges file's first line is a header; with the full CLIP file
 * ({@code bpe_simple_vocab_16e6.txt.gz}) only its first {@value #CLIP_MERGES} merges are used, giving 49408 ids;
 * a reduced file (fewer merges) uses all of them.
 *
 * <p>Text cleaning: the reference runs {@code ftfy.fix_text} first. ftfy is not available on the JVM and its
 * fixes (mojibake repair, NFC normalisation, curly-quote straightening, full-width to half-width, ...) are
 * <b>not applied</b>; for plain ASCII or already-clean text (every AnomalyCLIP prompt) the result is identical.
 * What is applied, in the reference order: HTML unescaping twice ({@link HtmlUnescape}), strip, collapsing
 * whitespace runs to one space, strip, lower-casing.
 *
 * <p>Instances are immutable apart from a thread-safe, bounded BPE cache and can be shared between threads.
 */
public final class ClipTokenizer {
    /** Merges CLIP uses from its merges file: 49152 - 256 - 2. */
    public static final int CLIP_MERGES = 49152 - 256 - 2;
    public static final String SOT = "<|startoftext|>";
    public static final String EOT = "<|endoftext|>";
    private static final String END_OF_WORD = "</w>";
    /** The reference caches every word forever; a service tokenising arbitrary text should not, so the cache stops growing here. */
    private static final int CACHE_LIMIT = 50_000;
    /** Largest merges file accepted, as stored and as text (CLIP's: 1.3 MiB gzip, 3.1 MiB of text). */
    static final int MAX_MERGES_BYTES = 16 << 20;

    /** The reference's split regex (compiled case-insensitive with Unicode classes, like Python's {@code regex}). */
    private static final Pattern SPLIT = Pattern.compile(
            "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+",
            Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE | Pattern.UNICODE_CHARACTER_CLASS);

    private final Map<String, Integer> encoder;
    private final String[] decoder;
    private final Map<String, Integer> mergeRanks;
    private final Map<String, String> cache = new ConcurrentHashMap<>();
    private final int sot;
    private final int eot;

    private ClipTokenizer(List<String[]> merges) {
        List<String> vocab = new ArrayList<>(512 + merges.size() + 2);
        List<String> symbols = ByteSymbols.vocabularyOrder();
        vocab.addAll(symbols);
        for (String s : symbols) vocab.add(s + END_OF_WORD);
        for (String[] m : merges) vocab.add(m[0] + m[1]);
        vocab.add(SOT);
        vocab.add(EOT);

        // Python's dict(zip(vocab, range)) : a repeated string keeps its last id.
        encoder = new HashMap<>(vocab.size() * 2);
        for (int i = 0; i < vocab.size(); i++) encoder.put(vocab.get(i), i);
        decoder = vocab.toArray(new String[0]);

        mergeRanks = new HashMap<>(merges.size() * 2);
        for (int i = 0; i < merges.size(); i++) mergeRanks.put(pairKey(merges.get(i)[0], merges.get(i)[1]), i);

        sot = encoder.get(SOT);
        eot = encoder.get(EOT);
        cache.put(SOT, SOT);
        cache.put(EOT, EOT);
    }

    /**
     * Loads a merges file: gzip ({@code bpe_simple_vocab_16e6.txt.gz}, recognised by its magic bytes) or plain text,
     * of at most {@value #MAX_MERGES_BYTES} bytes either way (a gzip file is inflated no further than that).
     */
    public static ClipTokenizer load(Path mergesFile) {
        try {
            long size = Files.size(mergesFile);
            if (size > MAX_MERGES_BYTES) {
                throw new IllegalArgumentException(mergesFile + ": " + size + " bytes, more than the " + MAX_MERGES_BYTES
                        + " a BPE merges file may have (expected CLIP's bpe_simple_vocab_16e6.txt.gz)");
            }
            return fromMergesText(decodeMaybeGzip(Files.readAllBytes(mergesFile), mergesFile), mergesFile.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read BPE merges file " + mergesFile, e);
        }
    }

    /**
     * Builds a tokenizer from the text of a merges file (header line first, then one "{@code a b}" pair per line).
     * At most {@value #CLIP_MERGES} merges are used, like the reference. Errors give the line number, never the
     * line: a file passed by mistake (a password file) must not end up in a log.
     */
    public static ClipTokenizer fromMergesText(String text, String sourceName) {
        String[] lines = text.split("\n", -1);
        if (lines.length < 1) throw new IllegalArgumentException(sourceName + ": empty BPE merges file");
        List<String[]> merges = new ArrayList<>();
        for (int i = 1; i < lines.length && merges.size() < CLIP_MERGES; i++) {
            String line = lines[i];
            if (line.isBlank()) {
                if (i == lines.length - 1) break; // trailing newline
                throw new IllegalArgumentException(sourceName + ": line " + (i + 1) + ": blank line inside the merges");
            }
            String[] pair = line.trim().split(" ");
            if (pair.length != 2 || pair[0].isEmpty() || pair[1].isEmpty()) {
                throw new IllegalArgumentException(sourceName + ": line " + (i + 1) + ": expected a merge, two symbols"
                        + " separated by one space, found " + pair.length + " space-separated fields (not a CLIP BPE merges file?)");
            }
            merges.add(pair);
        }
        return new ClipTokenizer(merges);
    }

    public int sotId() { return sot; }

    public int eotId() { return eot; }

    public int vocabSize() { return decoder.length; }

    /** The vocabulary string of an id (byte symbols as in the merges file, words end with {@code </w>}). */
    public String token(int id) {
        if (id < 0 || id >= decoder.length) throw new IllegalArgumentException("token id " + id + " outside [0, " + decoder.length + ")");
        return decoder[id];
    }

    /** BPE token ids of a text, without SOT/EOT. */
    public int[] encode(String text) {
        String cleaned = clean(text);
        List<Integer> ids = new ArrayList<>();
        Matcher m = SPLIT.matcher(cleaned);
        while (m.find()) {
            String piece = ByteSymbols.encode(m.group().getBytes(StandardCharsets.UTF_8));
            for (String sub : bpe(piece).split(" ")) {
                Integer id = encoder.get(sub);
                if (id == null) throw new IllegalStateException("BPE produced '" + sub + "', which is not in the vocabulary");
                ids.add(id);
            }
        }
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * {@code [len(texts), contextLength]} ids: SOT, the text's ids, EOT, then zeros. Throws when a text needs more
     * than {@code contextLength} positions (the reference raises as well; it never truncates here).
     */
    public long[][] tokenize(List<String> texts, int contextLength) {
        if (contextLength < 2) throw new IllegalArgumentException("context length must be at least 2, got " + contextLength);
        long[][] out = new long[texts.size()][contextLength];
        for (int t = 0; t < texts.size(); t++) {
            int[] ids = encode(texts.get(t));
            if (ids.length + 2 > contextLength) {
                throw new IllegalArgumentException("Input '" + texts.get(t) + "' is too long for context length "
                        + contextLength + " (" + (ids.length + 2) + " tokens with SOT/EOT)");
            }
            out[t][0] = sot;
            for (int i = 0; i < ids.length; i++) out[t][i + 1] = ids[i];
            out[t][ids.length + 1] = eot;
        }
        return out;
    }

    /** The reference's {@code whitespace_clean(basic_clean(text)).lower()}, without ftfy. */
    static String clean(String text) {
        String s = HtmlUnescape.unescape(HtmlUnescape.unescape(text));
        s = PyWhitespace.strip(s);
        s = PyWhitespace.collapse(s);
        s = PyWhitespace.strip(s);
        return s.toLowerCase(java.util.Locale.ROOT);
    }

    /** Byte-level BPE of one pre-token (already mapped to byte symbols): the merged symbols joined by spaces. */
    String bpe(String token) {
        String hit = cache.get(token);
        if (hit != null) return hit;

        // word = symbols of the token, the last one carries </w>
        int[] cps = token.codePoints().toArray();
        List<String> word = new ArrayList<>(cps.length);
        for (int i = 0; i < cps.length; i++) {
            String s = new String(cps, i, 1);
            word.add(i == cps.length - 1 ? s + END_OF_WORD : s);
        }
        if (word.size() == 1) { // no pairs
            return remember(token, word.get(0));
        }
        while (word.size() > 1) {
            // the adjacent pair with the lowest merge rank
            int bestRank = Integer.MAX_VALUE;
            String first = null;
            String second = null;
            for (int i = 0; i + 1 < word.size(); i++) {
                Integer r = mergeRanks.get(pairKey(word.get(i), word.get(i + 1)));
                if (r != null && r < bestRank) {
                    bestRank = r;
                    first = word.get(i);
                    second = word.get(i + 1);
                }
            }
            if (first == null) break;
            // merge every occurrence, scanning left to right
            List<String> merged = new ArrayList<>(word.size());
            int i = 0;
            while (i < word.size()) {
                if (i + 1 < word.size() && word.get(i).equals(first) && word.get(i + 1).equals(second)) {
                    merged.add(first + second);
                    i += 2;
                } else {
                    merged.add(word.get(i));
                    i += 1;
                }
            }
            word = merged;
        }
        return remember(token, String.join(" ", word));
    }

    private String remember(String token, String result) {
        if (cache.size() < CACHE_LIMIT) cache.put(token, result);
        return result;
    }

    private static String pairKey(String a, String b) {
        return a + ' ' + b; // symbols never contain a space (bytes map to printable code points)
    }

    private static String decodeMaybeGzip(byte[] raw, Path file) throws IOException {
        boolean gzip = raw.length >= 2 && (raw[0] & 0xff) == 0x1f && (raw[1] & 0xff) == 0x8b;
        if (!gzip) return new String(raw, StandardCharsets.UTF_8);
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(raw))) {
            byte[] text = in.readNBytes(MAX_MERGES_BYTES + 1); // inflates no further than the limit
            if (text.length > MAX_MERGES_BYTES) {
                throw new IllegalArgumentException(file + ": decompresses to more than the " + MAX_MERGES_BYTES
                        + " bytes a BPE merges file may have (expected CLIP's bpe_simple_vocab_16e6.txt.gz)");
            }
            return new String(text, StandardCharsets.UTF_8);
        }
    }

    /** GPT-2/CLIP's reversible byte → printable-code-point table ({@code bytes_to_unicode}). */
    static final class ByteSymbols {
        private static final String[] SYMBOL = new String[256];
        private static final List<String> VOCAB_ORDER;

        static {
            // printable bytes map to themselves; the others to 256, 257, ... in byte order
            Map<Integer, Integer> table = new LinkedHashMap<>();
            for (int b = '!'; b <= '~'; b++) table.put(b, b);
            for (int b = 0xA1; b <= 0xAC; b++) table.put(b, b);
            for (int b = 0xAE; b <= 0xFF; b++) table.put(b, b);
            int n = 0;
            for (int b = 0; b < 256; b++) {
                if (!table.containsKey(b)) table.put(b, 256 + n++);
            }
            List<String> order = new ArrayList<>(256);
            for (Map.Entry<Integer, Integer> e : table.entrySet()) {
                String s = new String(Character.toChars(e.getValue()));
                SYMBOL[e.getKey()] = s;
                order.add(s);
            }
            VOCAB_ORDER = List.copyOf(order);
        }

        private ByteSymbols() {}

        /** The 256 symbols in the order the vocabulary lists them (the table's insertion order, not byte order). */
        static List<String> vocabularyOrder() { return VOCAB_ORDER; }

        static String encode(byte[] bytes) {
            StringBuilder sb = new StringBuilder(bytes.length);
            for (byte b : bytes) sb.append(SYMBOL[b & 0xff]);
            return sb.toString();
        }
    }

    /** Python {@code str.isspace()} / {@code re \s} whitespace, {@code str.strip()} and {@code re.sub(r'\s+', ' ', s)}. */
    static final class PyWhitespace {
        private PyWhitespace() {}

        static boolean isSpace(int cp) {
            if (cp == 0x85 || (cp >= 0x1C && cp <= 0x1F) || (cp >= 0x09 && cp <= 0x0D)) return true;
            int type = Character.getType(cp);
            return type == Character.SPACE_SEPARATOR || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR;
        }

        static String strip(String s) {
            int start = 0;
            int end = s.length();
            while (start < end && isSpace(s.codePointAt(start))) start += Character.charCount(s.codePointAt(start));
            while (end > start && isSpace(s.codePointBefore(end))) end -= Character.charCount(s.codePointBefore(end));
            return s.substring(start, end);
        }

        static String collapse(String s) {
            StringBuilder sb = new StringBuilder(s.length());
            boolean inRun = false;
            for (int i = 0; i < s.length(); ) {
                int cp = s.codePointAt(i);
                i += Character.charCount(cp);
                if (isSpace(cp)) {
                    if (!inRun) sb.append(' ');
                    inRun = true;
                } else {
                    sb.appendCodePoint(cp);
                    inRun = false;
                }
            }
            return sb.toString();
        }
    }

    @Override
    public String toString() {
        return "ClipTokenizer[vocab " + decoder.length + ", SOT " + sot + ", EOT " + eot + "]";
    }

    /** Number of merges in use (48894 with the full CLIP file). */
    int mergeCount() { return vocabSize() - 512 - 2; }
}
