package dev.anomalyedge.api;

import dev.anomalyedge.bundle.BundleManifest;
import dev.anomalyedge.bundle.ModelRepository;
import dev.anomalyedge.inspection.InspectionException;
import dev.anomalyedge.inspection.LoadedModel;
import dev.anomalyedge.inspection.ModelManager;
import dev.anomalyedge.service.ApplianceRuntime;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The model repository: list bundles, activate one without downtime (API key). */
@Path("/api/v1/models")
@Tag(name = "models")
@Produces(MediaType.APPLICATION_JSON)
public class ModelResource {
    @Inject
    ApplianceRuntime runtime;

    @Inject
    ApiKeys apiKeys;

    @GET
    @Operation(summary = "Bundles in the model repository, with the active one marked")
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

    @POST
    @Path("{name}/{version}/activate")
    @Operation(summary = "Load and warm up a bundle beside the serving one, then swap atomically (needs the API key)",
            description = "A bundle that fails to load leaves the current model serving and answers 409.")
    public Map<String, Object> activate(@PathParam("name") String name, @PathParam("version") String version,
                                        @Context HttpHeaders headers) throws IOException {
        apiKeys.require(headers);
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
        ModelManager m = runtime.models();
        if (m == null) throw new InspectionException(InspectionException.Kind.UNAVAILABLE, "the appliance is not serving");
        return m;
    }
}
