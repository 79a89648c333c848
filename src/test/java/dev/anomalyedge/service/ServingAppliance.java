package dev.anomalyedge.service;

import dev.anomalyedge.inspection.ApplianceState;
import dev.anomalyedge.inspection.InspectionResult;

import java.nio.file.Path;
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
            public InspectionResult trigger(Image image, String partId) {
                triggers.incrementAndGet();
                return super.trigger(image, partId);
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

    /** Image triggers answered so far ({@link Inspections#trigger(Inspections.Image, String)}). */
    public int triggers() { return triggers.get(); }

    /** Whether a model serves (READY or FAULT). */
    public boolean serving() {
        ApplianceState s = app.state();
        return s == ApplianceState.READY || s == ApplianceState.FAULT;
    }

    @Override
    public void close() {
        app.stop();
    }
}
