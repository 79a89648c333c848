package dev.anomalyedge.api;

import dev.anomalyedge.service.Models;
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
import java.util.Map;

/** The model repository: list bundles, activate one without downtime (API key). */
@Path("/api/v1/models")
@Tag(name = "models")
@Produces(MediaType.APPLICATION_JSON)
public class ModelResource {
    @Inject
    Models models;

    @Inject
    ApiKeys apiKeys;

    @GET
    @Operation(summary = "Bundles in the model repository, with the active one marked")
    public Map<String, Object> list() throws IOException {
        return models.list();
    }

    @POST
    @Path("{name}/{version}/activate")
    @Operation(summary = "Load and warm up a bundle beside the serving one, then swap atomically (needs the API key)",
            description = "A bundle that fails to load leaves the current model serving and answers 409.")
    public Map<String, Object> activate(@PathParam("name") String name, @PathParam("version") String version,
                                        @Context HttpHeaders headers) throws IOException {
        apiKeys.require(headers);
        return models.activate(name, version);
    }
}
