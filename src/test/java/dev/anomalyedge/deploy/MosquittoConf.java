package dev.anomalyedge.deploy;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** A mosquitto.conf as {@code option value...} lines; options are checked against those Mosquitto 2 knows. */
record MosquittoConf(List<Line> lines) {

    record Line(int number, String option, List<String> values) {}

    /** The Mosquitto 2.0 options this project may use (a typo must not pass as a silently ignored line). */
    static final Set<String> KNOWN = Set.of("listener", "protocol", "allow_anonymous", "password_file", "acl_file",
            "persistence", "persistence_location", "persistence_file", "autosave_interval", "log_dest", "log_type",
            "log_timestamp", "log_timestamp_format", "cafile", "certfile", "keyfile", "require_certificate",
            "per_listener_settings", "max_queued_messages", "max_inflight_messages", "message_size_limit", "user");

    static MosquittoConf parse(String text) {
        List<Line> lines = new ArrayList<>();
        int n = 0;
        for (String raw : text.split("\n", -1)) {
            n++;
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) continue;
            String[] words = line.split("\\s+");
            assertTrue(KNOWN.contains(words[0]), "mosquitto.conf line " + n + ": unknown option '" + words[0] + "'");
            assertTrue(words.length >= 2, "mosquitto.conf line " + n + ": '" + words[0] + "' needs a value");
            lines.add(new Line(n, words[0], List.of(words).subList(1, words.length)));
        }
        return new MosquittoConf(lines);
    }

    Optional<String> value(String option) {
        return lines.stream().filter(l -> l.option().equals(option)).map(l -> String.join(" ", l.values())).findFirst();
    }

    List<Integer> listenerPorts() {
        return lines.stream().filter(l -> l.option().equals("listener")).map(l -> Integer.parseInt(l.values().get(0))).toList();
    }
}
