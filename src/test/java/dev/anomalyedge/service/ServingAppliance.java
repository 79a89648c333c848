package dev.anomalyedge.service;

import dev.anomalyedge.bundle.CalibrationRecord;
import dev.anomalyedge.bundle.ModelBundle;
import dev.anomalyedge.bundle.ModelRepository;
import dev.anomalyedge.inspection.ApplianceState;
import dev.anomalyedge.inspection.LoadedModel;
import dev.anomalyedge.inspection.InspectionResult;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * For adapter tests outside this package (the hot folder): a real appliance without Quarkus serving the untrained demo
 * on {@code models}, and its {@link Inspections} service, counting the triggers it answers.
 */
public final class ServingAppliance implements AutoCloseable {
    private final Appliance app;
    private final AtomicInteger triggers = new AtomicInteger();
    private final Inspections inspections;

    private ServingAppliance(Appliance app) {
        this.app = app;
        Inspections in = new Inspections() {
            @Override
            public InspectionResult trigger(Image image, String partId, String recipe) {
                triggers.incrementAndGet();
                return super.trigger(image, partId, recipe);
            }
        };
        in.app = app;
        this.inspections = in;
    }

    /** Starts the appliance and waits (120 s at most) for its first model. */
    public static ServingAppliance start(Path models) throws InterruptedException {
        Appliance a = ApplianceRestartTest.appliance(models, false);
        a.start();
        assertTrue(a.awaitFirstModel(120, TimeUnit.SECONDS), "not ready after 120 s: " + a.startupError());
        return new ServingAppliance(a);
    }

    public Inspections inspections() { return inspections; }

    /** Image triggers answered so far ({@link Inspections#trigger(Inspections.Image, String, String)}). */
    public int triggers() { return triggers.get(); }

    /** Whether a model serves (READY or FAULT). */
    public boolean serving() {
        ApplianceState s = app.state();
        return s == ApplianceState.READY || s == ApplianceState.FAULT;
    }

    /**
     * Serves a copy of the serving bundle, {@code <name>/<version>}, calibrated at {@code imageThreshold}: images scoring
     * at or above it are NG, the others OK.
     */
    public void serveCalibrated(String version, double imageThreshold) throws IOException {
        LoadedModel current = app.current();
        ModelRepository repo = app.models().repository();
        Path from = repo.bundleDir(current.name(), current.version());
        Path to = repo.bundleDir(current.name(), version);
        List<Path> files;
        try (Stream<Path> s = Files.walk(from)) {
            files = s.toList();
        }
        for (Path f : files) {
            Path target = to.resolve(from.relativize(f).toString());
            if (Files.isDirectory(f)) Files.createDirectories(target);
            else Files.copy(f, target);
        }
        ModelBundle.rewriteManifest(to, ModelBundle.load(to).manifest().withCalibration(new CalibrationRecord(imageThreshold,
                null, "test", null, null, null, null, null, null, null, null, null, null, null, null)));
        app.models().activate(current.name(), version);
    }

    @Override
    public void close() {
        app.stop();
    }
}
