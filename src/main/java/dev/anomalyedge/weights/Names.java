package dev.anomalyedge.weights;

/**
 * How error messages show what a file says. Messages name the file, the expected format and the things a
 * well-formed checkpoint names (tensor keys, dict keys, storage keys, zip entries, class names), never the
 * file's other bytes: no raw bytes, no text lines, no JSON or pickle values, no parser excerpts. A file handed to
 * the wrong reader (a password file, a private key) must not end up in a log or an HTTP response.
 *
 * <p>Even names are shown bounded ({@value #MAX_CHARS} characters) and with control characters replaced, so a
 * hostile name cannot flood a log or forge log lines.
 */
final class Names {
    static final int MAX_CHARS = 80;

    private Names() {}

    /**
     * {@code 'name'}, shortened to {@value #MAX_CHARS} characters (with the full length) and made printable; a key
     * that is not a str, int or bool shows as its type, e.g. {@code <tuple>}.
     */
    static String quote(Object name) {
        if (!(name instanceof String || name instanceof Number || name instanceof Boolean)) {
            return "<" + TorchPickle.typeName(name) + ">";
        }
        String s = String.valueOf(name);
        StringBuilder out = new StringBuilder(Math.min(s.length(), MAX_CHARS) + 24).append('\'');
        int shown = Math.min(s.length(), MAX_CHARS);
        for (int i = 0; i < shown; i++) {
            char c = s.charAt(i);
            out.append(Character.isISOControl(c) || Character.isSurrogate(c) ? '?' : c);
        }
        out.append('\'');
        if (s.length() > MAX_CHARS) out.append("… (").append(s.length()).append(" characters)");
        return out.toString();
    }
}
