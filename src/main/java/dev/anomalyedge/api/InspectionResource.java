package dev.anomalyedge.api;

import dev.anomalyedge.inspection.InspectionException;
import dev.anomalyedge.inspection.InspectionResult;
import dev.anomalyedge.service.Inspections;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestForm;
import org.jboss.resteasy.reactive.multipart.FileUpload;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;

/** Inspections ({@code /api/v1/inspections…}): image in, score + verdict + map statistics out; recent results with heatmap and raw map. */
@Path("/api/v1")
@Tag(name = "inspections")
public class InspectionResource {
    static final String NPY = "application/x-npy";

    @Inject
    Inspections inspections;

    @Inject
    Uploads uploads;

    @POST
    @Path("inspections")
    @Consumes({"image/png", "image/jpeg", "image/bmp", "image/x-ms-bmp", MediaType.APPLICATION_OCTET_STREAM})
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Inspect one image sent as the request body",
            description = "Optional X-Part-Id header is echoed in the result and the MQTT message; optional X-Recipe header "
                    + "selects a recipe (unknown: 404 and an unknown_recipe ERROR result).")
    public InspectionResult inspectBody(InputStream body, @HeaderParam("X-Part-Id") String partId,
                                        @HeaderParam("Content-Type") String contentType,
                                        @HeaderParam("X-Recipe") String recipe) throws IOException {
        String part = uploads.partId(null, partId);
        return inspections.inspect(uploads.body(body, contentType != null ? "request body (" + contentType + ")" : "request body"), part,
                recipe);
    }

    @POST
    @Path("inspections")
    @Consumes(MediaType.MULTIPART_FORM_DATA)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Inspect one image sent as multipart form data (part 'file', optional fields 'part_id' and 'recipe')")
    public InspectionResult inspectForm(@RestForm("file") FileUpload file, @RestForm("part_id") String formPartId,
                                        @HeaderParam("X-Part-Id") String headerPartId, @RestForm("recipe") String formRecipe,
                                        @HeaderParam("X-Recipe") String headerRecipe) throws IOException {
        if (file == null) throw new InspectionException(InspectionException.Kind.BAD_REQUEST, "multipart request has no 'file' part");
        String part = uploads.partId(formPartId, headerPartId);
        return inspections.inspect(uploads.upload(file), part, formRecipe != null ? formRecipe : headerRecipe);
    }

    @POST
    @Path("inspections:batch")
    @Consumes(MediaType.MULTIPART_FORM_DATA)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Inspect several images (parts named 'file' or 'files') in one request",
            description = "Every image is answered: 'results' in request order, each either a result or an error.")
    public Inspections.Batch inspectBatch(@RestForm("file") List<FileUpload> files, @RestForm("files") List<FileUpload> more,
                                          @RestForm("part_id") String partId, @HeaderParam("X-Part-Id") String headerPartId,
                                          @RestForm("recipe") String formRecipe, @HeaderParam("X-Recipe") String headerRecipe)
            throws IOException {
        List<Inspections.Image> images = uploads.batch(files, more);
        return inspections.inspectBatch(images, uploads.partId(partId, headerPartId), formRecipe != null ? formRecipe : headerRecipe);
    }

    @GET
    @Path("inspections/{id}")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "A recent result (the last appliance.results.capacity are kept)")
    public InspectionResult get(@PathParam("id") String id) {
        return inspections.recent(id);
    }

    @GET
    @Path("inspections/{id}/heatmap.png")
    @Produces("image/png")
    @Operation(summary = "The anomaly map as a jet overlay on the S×S input (fixed colour scale); with a recipe's region of "
            + "interest or tiles, on the whole original image (long side at most appliance.recipes.max-map-side)")
    public Response heatmap(@PathParam("id") String id) {
        return Response.ok(inspections.heatmapPng(id)).build();
    }

    @GET
    @Path("inspections/{id}/anomaly-map.npy")
    @Produces(NPY)
    @Operation(summary = "The smoothed anomaly map, little-endian float32 [S,S] .npy ([height, width] of map.width/map.height "
            + "over the original image with a recipe's region of interest or tiles)")
    public Response anomalyMap(@PathParam("id") String id) throws IOException {
        return Response.ok(inspections.anomalyMapNpy(id))
                .header("Content-Disposition", "attachment; filename=\"" + id + ".map.npy\"").build();
    }
}
