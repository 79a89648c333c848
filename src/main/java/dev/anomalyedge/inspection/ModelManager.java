package dev.anomalyedge.inspection;

import dev.anomalyedge.bundle.BundleException;
import dev.anomalyedge.bundle.ModelBundle;
import dev.anomalyedge.bundle.ModelRepository;
import dev.anomalyedge.engine.AnomalyEngine;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * Holds the active model and swaps it without downtime: a new bundle is loaded and warmed up beside the serving one,
 * then swapped in atomically; if loading fails the old one keeps serving. Activations are serialised.
 */
public final class ModelManager implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ModelManager.class);

    private final ModelRepository repository;
    private final Function<ModelBundle, AnomalyEngine> engineFactory;
    private final BatchSizing sizing;
    private final AtomicReference<LoadedModel> active = new AtomicReference<>();
    private final Object activation = new Object();
    private final Runnable onSwap;
    private volatile java.util.function.Consumer<LoadedModel> beforeSwap = m -> { };

    /** A manager that warms each model up with {@code sizing}, which measures and chooses its batch size and deadline. */
    public ModelManager(ModelRepository repository, Function<ModelBundle, AnomalyEngine> engineFactory, BatchSizing sizing,
                        Runnable onSwap) {
        this.repository = repository;
        this.engineFactory = engineFactory;
        this.sizing = sizing;
        this.onSwap = onSwap;
    }

    /** A manager with a fixed batch size ({@link BatchSizing#fixed}). */
    public ModelManager(ModelRepository repository, Function<ModelBundle, AnomalyEngine> engineFactory, int batchSize,
                        Runnable onSwap) {
        this(repository, engineFactory, BatchSizing.fixed(batchSize), onSwap);
    }

    public ModelRepository repository() { return repository; }

    /**
     * Work to do on a loaded, warmed-up model before it serves (e.g. building the recipes' memory banks for it); a
     * failure there is logged and does not stop the activation.
     */
    public void beforeSwap(java.util.function.Consumer<LoadedModel> prepare) {
        this.beforeSwap = prepare;
    }

    /** The serving model, or null before the first activation. */
    public LoadedModel current() { return active.get(); }

    public boolean ready() { return active.get() != null; }

    /** A referenced model for one request (release it when done), or null when none is loaded. */
    public LoadedModel acquire() {
        while (true) {
            LoadedModel m = active.get();
            if (m == null) return null;
            if (m.acquire()) return m;
        }
    }

    /**
     * Loads, warms up and activates {@code name/version}, recording it in active.json before it serves. On any failure
     * the serving model is untouched and the new engine is closed: a bundle that does not load is a BundleException;
     * one that loaded but could not be recorded is an {@link ActivationFailed}.
     */
    public LoadedModel activate(String name, String version) throws IOException {
        synchronized (activation) {
            Path dir = repository.bundleDir(name, version);
            long t0 = System.nanoTime();
            ModelBundle bundle = ModelBundle.load(dir);
            AnomalyEngine engine;
            try {
                engine = engineFactory.apply(bundle);
            } catch (RuntimeException e) {
                throw new BundleException(dir + ": cannot open the scoring graph: " + e.getMessage(), e);
            }
            LoadedModel next = null;
            LoadedModel old;
            try {
                next = load(bundle, engine, name, version);
                warmUp(next, dir);
                prepare(next);
                record(new ModelRepository.ModelRef(name, version));
                old = active.getAndSet(next);
            } catch (Throwable t) {
                try {
                    if (next != null) next.release(); else engine.close();
                } catch (RuntimeException closing) {
                    t.addSuppressed(closing);
                }
                throw t;
            }
            if (old != null) old.release();
            LOG.infof("model %s/%s active (%s, %d px) after %.1f s load and warm-up; batch size %s; deadline %d ms", name, version,
                    engine.backend(), engine.imageSize(), (System.nanoTime() - t0) / 1e9, next.sizing().describe(),
                    next.sizing().deadline().toMillis());
            if (onSwap != null) {
                try {
                    onSwap.run();
                } catch (RuntimeException e) {
                    LOG.errorf(e, "model %s/%s is active, but reporting the change failed", name, version);
                }
            }
            return next;
        }
    }

    private static LoadedModel load(ModelBundle bundle, AnomalyEngine engine, String name, String version) {
        try {
            return new LoadedModel(bundle, engine, name, version);
        } catch (RuntimeException e) {
            throw new BundleException(bundle.dir() + ": " + e.getMessage(), e);
        }
    }

    private void warmUp(LoadedModel next, Path dir) {
        try {
            next.warmUp(sizing);
        } catch (RuntimeException e) {
            throw new BundleException(dir + ": warm-up failed: " + e.getMessage(), e);
        }
    }

    private void prepare(LoadedModel next) {
        try {
            beforeSwap.accept(next);
        } catch (RuntimeException e) {
            LOG.errorf(e, "model %s/%s: preparing it before it serves failed; it serves anyway", next.name(), next.version());
        }
    }

    private void record(ModelRepository.ModelRef ref) {
        try {
            repository.setActive(ref);
        } catch (IOException | RuntimeException e) {
            throw new ActivationFailed(ref + " loaded, but it could not be recorded as the active model in "
                    + repository.dir().resolve(ModelRepository.ACTIVE) + " (" + e + "); the previous model keeps serving", e);
        }
    }

    /** A bundle that loaded but could not be made the active model (the appliance's fault, not the bundle's). */
    public static final class ActivationFailed extends RuntimeException {
        ActivationFailed(String message, Throwable cause) {
            super(message, cause);
        }
    }

    @Override
    public void close() {
        LoadedModel m = active.getAndSet(null);
        if (m != null) m.release();
    }
}
