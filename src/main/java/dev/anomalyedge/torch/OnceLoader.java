package dev.anomalyedge.torch;

import dev.anomalyedge.util.Causes;

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
                failure = new IllegalStateException("cannot load " + what + ": " + Causes.chain(t), t);
                throw failure;
            }
        }
    }

}
