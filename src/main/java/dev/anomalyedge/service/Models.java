package dev.anomalyedge.service;

import dev.anomalyedge.bundle.BundleManifest;
import dev.anomalyedge.bundle.ModelRepository;
import dev.anomalyedge.inspection.InspectionException;
import dev.anomalyedge.inspection.LoadedModel;
import dev.anomalyedge.inspection.ModelManager;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The model repository, one call per request: the bundles with the active one marked; activating a bundle without downtime. */
@ApplicationScoped
public class Models {
    @Inject
    Appliance app;

    /** The repository folder, the active model and every bundle (an unloadable one with its error), as the REST answer. */
    public Map<String, Object> list() throws IOException {
        ModelManager models = manager();
        LoadedModel active = models.current();
        List<Map<String, Object>> out = new ArrayList<>();
        for (ModelRepository.Entry e : models.repository().list()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", e.name());
            m.put("version", e.version());
            m.put("active", active != null && active.name().equals(e.name()) && active.version().equals(e.version()));
            if (e.loadable()) {
                BundleManifest b = e.manifest();
                m.put("created_at", b.createdAt());
                m.put("demo", b.demo());
                m.put("image_size", b.settings().imageSize());
                m.put("calibrated", b.calibration() != null && b.calibration().imageThreshold() != null);
            } else {
                m.put("error", e.error());
            }
            out.add(m);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("repository", models.repository().dir().toString());
        body.put("active", active == null ? null : Map.of("name", active.name(), "version", active.version(),
                "backend", active.engine().backend()));
        body.put("models", out);
        return body;
    }

    /** Loads and warms up a bundle beside the serving one, then swaps; the answer names it and the time it took. */
    public Map<String, Object> activate(String name, String version) throws IOException {
        long t0 = System.nanoTime();
        LoadedModel m = manager().activate(name, version);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", m.name());
        body.put("version", m.version());
        body.put("backend", m.engine().backend());
        body.put("image_size", m.imageSize());
        body.put("activation_seconds", (System.nanoTime() - t0) / 1e9);
        return body;
    }

    private ModelManager manager() {
        ModelManager m = app.models();
        if (m == null) throw new InspectionException(InspectionException.Kind.UNAVAILABLE, "the appliance is not serving");
        return m;
    }
}
