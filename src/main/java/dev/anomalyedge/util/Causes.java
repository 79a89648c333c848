package dev.anomalyedge.util;

/** Error chains on one line, for reasons shown to operators. */
public final class Causes {
    private Causes() {}

    /** "outer <- cause <- root cause": the root usually names what is missing (a shared library, a file). */
    public static String chain(Throwable t) {
        StringBuilder sb = new StringBuilder(String.valueOf(t));
        for (Throwable c = t.getCause(); c != null && c != t; t = c, c = c.getCause()) sb.append(" <- ").append(c);
        return sb.toString();
    }
}
