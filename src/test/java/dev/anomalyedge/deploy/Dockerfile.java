package dev.anomalyedge.deploy;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** A Dockerfile as a list of instructions (continuation lines joined, comments dropped), split into stages. */
record Dockerfile(String name, List<Instruction> instructions) {

    record Instruction(String keyword, String args) {}

    static Dockerfile parse(String name, String text) {
        List<Instruction> out = new ArrayList<>();
        StringBuilder pending = new StringBuilder();
        for (String raw : text.split("\n", -1)) {
            String line = raw.strip();
            if (pending.isEmpty() && (line.isEmpty() || line.startsWith("#"))) continue;
            if (!pending.isEmpty() && line.startsWith("#")) continue; // comment inside a continued instruction
            if (line.endsWith("\\")) {
                pending.append(line, 0, line.length() - 1).append(' ');
                continue;
            }
            pending.append(line);
            String full = pending.toString().strip();
            pending.setLength(0);
            int space = full.indexOf(' ');
            out.add(new Instruction(full.substring(0, space).toUpperCase(Locale.ROOT), full.substring(space + 1).strip()));
        }
        return new Dockerfile(name, out);
    }

    /** The instructions of the last stage (the image that ships). */
    List<Instruction> finalStage() {
        int from = 0;
        for (int i = 0; i < instructions.size(); i++) {
            if (instructions.get(i).keyword().equals("FROM")) from = i;
        }
        return instructions.subList(from, instructions.size());
    }

    List<Instruction> all(String keyword, List<Instruction> in) {
        return in.stream().filter(i -> i.keyword().equals(keyword)).toList();
    }

    Optional<Instruction> last(String keyword, List<Instruction> in) {
        List<Instruction> found = all(keyword, in);
        return found.isEmpty() ? Optional.empty() : Optional.of(found.get(found.size() - 1));
    }
}
