package dev.anomalyedge.text;

/**
 * Runs a native-library load action at most once. Success is remembered; so is failure: every later call rethrows
 * the first clear error instead of running the action again (a failed JavaCPP class initialisation would otherwise
 * surface as an opaque {@code NoClassDefFoundError}).
 */
final class OnceLoader {
    private final String what;
    private final Runnable action;
    private volatile boolean loaded;
    private IllegalStateException failure;

    OnceLoader(String what, Runnable action) {
        this.what = what;
        this.action = action;
    }

    void ensure() {
        if (loaded) return;
        synchronized (this) {
            if (loaded) return;
            if (failure != null) throw failure;
            try {
                action.run();
                loaded = true;
            } catch (Throwable t) {
                failure = new IllegalStateException("cannot load " + what + ": " + causes(t), t);
                throw failure;
            }
        }
    }

    /** "outer <- cause <- root cause": the root usually names the missing library. */
    private static String causes(Throwable t) {
        StringBuilder sb = new StringBuilder(String.valueOf(t));
        for (Throwable c = t.getCause(); c != null && c != t; t = c, c = c.getCause()) sb.append(" <- ").append(c);
        return sb.toString();
    }
}
