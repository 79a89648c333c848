package dev.anomalyedge;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The layering of {@code src/main/java}, checked on the source: every reference from one package of the project to
 * another (imports, static imports and fully qualified names in code; comments and string literals do not count) must
 * point down the layers, never back up:
 * <pre>
 *   adapters   api, cli                     may use everything below; not each other
 *   service    application services         may use config, domain, primitives
 *   config     the Quarkus @ConfigMapping   may use domain and primitives; used only by service and api
 *   domain     inspection, training, …      may use other domain packages and primitives (engine.trt never engine.ort)
 *   primitives tensor, util                 tensor may use util; util uses nothing of the project
 * </pre>
 * A package that is in no layer fails too, so a new package has to be placed here. The failure lists every
 * violation, one line each: {@code file: package → package (rule)}.
 */
class ArchitectureTest {
    enum Layer { PRIMITIVE, DOMAIN, CONFIG, SERVICE, ADAPTER }

    /** The layers as data: top-level package (or engine sub-package) → layer. */
    static final Map<String, Layer> LAYERS = Map.ofEntries(
            Map.entry("api", Layer.ADAPTER), Map.entry("cli", Layer.ADAPTER), Map.entry("hotfolder", Layer.ADAPTER),
            Map.entry("service", Layer.SERVICE),
            Map.entry("config", Layer.CONFIG),
            Map.entry("inspection", Layer.DOMAIN), Map.entry("training", Layer.DOMAIN), Map.entry("evaluation", Layer.DOMAIN),
            Map.entry("features", Layer.DOMAIN), Map.entry("engine", Layer.DOMAIN), Map.entry("engine.ort", Layer.DOMAIN),
            Map.entry("engine.trt", Layer.DOMAIN), Map.entry("engine.select", Layer.DOMAIN), Map.entry("graph", Layer.DOMAIN),
            Map.entry("text", Layer.DOMAIN), Map.entry("torch", Layer.DOMAIN), Map.entry("weights", Layer.DOMAIN),
            Map.entry("bundle", Layer.DOMAIN), Map.entry("model", Layer.DOMAIN), Map.entry("image", Layer.DOMAIN),
            Map.entry("demo", Layer.DOMAIN), Map.entry("synthetic", Layer.DOMAIN), Map.entry("metrics", Layer.DOMAIN),
            Map.entry("mqtt", Layer.DOMAIN), Map.entry("tokenizer", Layer.DOMAIN),
            Map.entry("sparkplug", Layer.DOMAIN),
            Map.entry("archive", Layer.DOMAIN), Map.entry("fewshot", Layer.DOMAIN), Map.entry("recipe", Layer.DOMAIN),
            Map.entry("tensor", Layer.PRIMITIVE), Map.entry("util", Layer.PRIMITIVE));

    /** Arrows forbidden although the layers would allow them. */
    static final Map<String, Set<String>> FORBIDDEN = Map.of(
            "engine.trt", Set.of("engine.ort"),
            "util", LAYERS.keySet(),
            "tensor", Set.copyOf(LAYERS.keySet().stream().filter(p -> !p.equals("util") && !p.equals("tensor")).toList()));

    /** Who may read the Quarkus configuration mapping. */
    static final Set<String> CONFIG_READERS = Set.of("service", "api");

    static final Path MAIN = Path.of("src/main/java/dev/anomalyedge");
    private static final Pattern REFERENCE = Pattern.compile("\\bdev\\.anomalyedge\\.((?:[a-z_][a-z0-9_]*\\.)+)[A-Za-z_*]");
    private static final Pattern PACKAGE = Pattern.compile("^package\\s+dev\\.anomalyedge\\.([a-z0-9_.]+)\\s*;", Pattern.MULTILINE);

    /** The layer unit of a package name below dev.anomalyedge: the top-level package, or engine's sub-package. */
    static String unit(String pkg) {
        String[] parts = pkg.split("\\.");
        if (parts[0].equals("engine") && parts.length > 1) return "engine." + parts[1];
        return parts[0];
    }

    /** Why {@code from → to} is not allowed, or null when it is. */
    static String violation(String from, String to) {
        if (from.equals(to)) return null;
        Layer a = LAYERS.get(from), b = LAYERS.get(to);
        if (a == null) return "package " + from + " is in no layer";
        if (b == null) return "package " + to + " is in no layer";
        if (FORBIDDEN.getOrDefault(from, Set.of()).contains(to)) return from + " must not use " + to;
        if (b == Layer.CONFIG && !CONFIG_READERS.contains(from)) return "only " + CONFIG_READERS + " read config";
        if (a == Layer.ADAPTER && b == Layer.ADAPTER) return "adapters do not use each other";
        if (b.ordinal() > a.ordinal()) return a + " → " + b + " points back up";
        return null;
    }

    /** Source text without comments and string/char literals, so that only code references count. */
    static String code(String source) {
        StringBuilder out = new StringBuilder(source.length());
        int i = 0, n = source.length();
        while (i < n) {
            char c = source.charAt(i);
            if (c == '/' && i + 1 < n && source.charAt(i + 1) == '/') {
                while (i < n && source.charAt(i) != '\n') i++;
            } else if (c == '/' && i + 1 < n && source.charAt(i + 1) == '*') {
                int end = source.indexOf("*/", i + 2);
                i = end < 0 ? n : end + 2;
                out.append(' ');
            } else if (source.startsWith("\"\"\"", i)) {
                int end = source.indexOf("\"\"\"", i + 3);
                i = end < 0 ? n : end + 3;
                out.append("\"\"");
            } else if (c == '"' || c == '\'') {
                int j = i + 1;
                while (j < n && source.charAt(j) != c && source.charAt(j) != '\n') j += source.charAt(j) == '\\' ? 2 : 1;
                i = j + 1;
                out.append(c).append(c);
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }

    /** Every violation in {@code src/main/java}, sorted: {@code file: from → to (rule)}. */
    static List<String> violations() throws IOException {
        Set<String> found = new TreeSet<>();
        try (Stream<Path> files = Files.walk(MAIN)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                String source = Files.readString(f);
                Matcher pkg = PACKAGE.matcher(source);
                if (!pkg.find()) continue; // dev.anomalyedge itself holds no classes
                String from = unit(pkg.group(1));
                Matcher ref = REFERENCE.matcher(code(source));
                while (ref.find()) {
                    String to = unit(ref.group(1).substring(0, ref.group(1).length() - 1));
                    String why = violation(from, to);
                    if (why != null) found.add(MAIN.relativize(f) + ": " + from + " → " + to + " (" + why + ")");
                }
            }
        }
        return new ArrayList<>(found);
    }

    @Test
    void everyArrowPointsDown() throws IOException {
        List<String> v = violations();
        if (!v.isEmpty()) fail(v.size() + " layering violation(s):\n" + String.join("\n", v));
    }

    @Test
    void everyPackageIsInALayer() throws IOException {
        Set<String> packages = new TreeSet<>();
        try (Stream<Path> files = Files.walk(MAIN)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                Matcher pkg = PACKAGE.matcher(Files.readString(f));
                if (pkg.find()) packages.add(unit(pkg.group(1)));
            }
        }
        assertTrue(packages.size() > 10, "found the sources: " + packages);
        assertEquals(Set.of(), packages.stream().filter(p -> !LAYERS.containsKey(p)).collect(java.util.stream.Collectors.toSet()),
                "packages in no layer");
    }

    /** The checker itself: each rule fires on a made-up arrow, and code references count while comments and strings do not. */
    @Test
    void theRulesFire() {
        assertEquals(null, violation("cli", "service"));
        assertEquals(null, violation("service", "inspection"));
        assertEquals(null, violation("engine.trt", "engine"));
        assertEquals(null, violation("tensor", "util"));
        assertEquals(null, violation("api", "config"));
        assertEquals(null, violation("config", "engine.select"));
        assertTrue(violation("service", "cli").contains("points back up"));
        assertTrue(violation("inspection", "service").contains("points back up"));
        assertTrue(violation("engine.trt", "engine.ort").contains("must not use"));
        assertTrue(violation("util", "tensor").contains("must not use"));
        assertTrue(violation("tensor", "model").contains("must not use"));
        assertTrue(violation("inspection", "config").contains("read config"));
        assertTrue(violation("cli", "config").contains("read config"));
        assertTrue(violation("api", "cli").contains("each other"));
        assertTrue(violation("newthing", "util").contains("in no layer"));
        assertEquals("engine.trt", unit("engine.trt.sub"));
        assertEquals("cli", unit("cli"));

        String src = "import dev.anomalyedge.util.Digests;\n// dev.anomalyedge.cli.Main\n/* dev.anomalyedge.api.X */\n"
                + "String s = \"dev.anomalyedge.service.Y\"; var x = new dev.anomalyedge.tensor.Tensor();";
        List<String> refs = new ArrayList<>();
        Matcher m = REFERENCE.matcher(code(src));
        while (m.find()) refs.add(m.group(1));
        assertEquals(List.of("util.", "tensor."), refs);
    }
}
