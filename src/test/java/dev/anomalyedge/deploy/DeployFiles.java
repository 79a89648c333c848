package dev.anomalyedge.deploy;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The deployment files under {@code deploy/} and small typed accessors for the parsed YAML. */
final class DeployFiles {
    private DeployFiles() {}

    /** The project root (Maven runs the tests there). */
    static Path root() {
        Path dir = Path.of("").toAbsolutePath();
        assertTrue(Files.isRegularFile(dir.resolve("pom.xml")), "tests must run in the project root, not " + dir);
        return dir;
    }

    static Path path(String relative) {
        Path p = root().resolve(relative);
        assertTrue(Files.exists(p), relative + " is missing");
        return p;
    }

    static String read(String relative) {
        try {
            return Files.readString(path(relative));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every YAML document in the file (Kubernetes manifests may hold several, separated by {@code ---}). */
    static List<Map<String, Object>> yamlDocuments(String relative) {
        List<Map<String, Object>> docs = new ArrayList<>();
        for (Object doc : new Yaml(new SafeConstructor(new LoaderOptions())).loadAll(read(relative))) {
            if (doc == null) continue;
            docs.add(map(doc, relative));
        }
        assertTrue(!docs.isEmpty(), relative + " holds no YAML document");
        return docs;
    }

    static Map<String, Object> yaml(String relative) {
        List<Map<String, Object>> docs = yamlDocuments(relative);
        assertTrue(docs.size() == 1, relative + ": expected one YAML document, found " + docs.size());
        return docs.get(0);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object value, String what) {
        assertNotNull(value, what + " is missing");
        assertInstanceOf(Map.class, value, what + " is not a mapping");
        return (Map<String, Object>) value;
    }

    @SuppressWarnings("unchecked")
    static List<Object> list(Object value, String what) {
        assertNotNull(value, what + " is missing");
        assertInstanceOf(List.class, value, what + " is not a list");
        return (List<Object>) value;
    }

    /** Follows a path of keys through nested mappings: {@code at(doc, "spec", "template", "spec")}. */
    static Object at(Map<String, Object> doc, String... keys) {
        Object cur = doc;
        StringBuilder where = new StringBuilder();
        for (String key : keys) {
            where.append('.').append(key);
            cur = map(cur, where.toString()).get(key);
            assertNotNull(cur, where + " is missing");
        }
        return cur;
    }

    static Map<String, Object> mapAt(Map<String, Object> doc, String... keys) {
        return map(at(doc, keys), String.join(".", keys));
    }

    static List<Object> listAt(Map<String, Object> doc, String... keys) {
        return list(at(doc, keys), String.join(".", keys));
    }

    static String str(Object value) {
        return Objects.toString(value, null);
    }
}
