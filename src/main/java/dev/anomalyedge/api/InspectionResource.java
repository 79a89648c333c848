package dev.anomalyedge.api;

import dev.anomalyedge.image.Heatmap;
import dev.anomalyedge.inspection.InspectionException;
import dev.anomalyedge.inspection.InspectionResult;
import dev.anomalyedge.inspection.InspectionService;
import dev.anomalyedge.service.ApplianceRuntime;
import dev.anomalyedge.tensor.Npy;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.NotFoundException;
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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.nio.file.Files;

/** Inspections ({@code /api/v1/inspections…}): image in, score + verdict + map statistics out; recent results with heatmap and raw map. */
@Path("/api/v1")
@Tag(name = "inspections")
public class InspectionResource {
    static final String NPY = "application/x-npy";

    @Inject
    ApplianceRuntime runtime;

    @Inject
    Uploads uploads;

    @POST
    @Path("inspections")
    @Consumes({"image/png", "image/jpeg", "image/bmp", "image/x-ms-bmp", MediaType.APPLICATION_OCTET_STREAM})
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Inspect one image sent as the request body",
            description = "Optional X-Part-Id header is echoed in the result and the MQTT message.")
    public InspectionResult inspectBody(InputStream body, @HeaderParam("X-Part-Id") String partId,
                                        @HeaderParam("Content-Type") String contentType) throws IOException {
        String part = uploads.partId(null, partId);
        byte[] bytes = uploads.readLimited(body);
        return uploads.service().inspect(bytes, contentType != null ? "request body (" + contentType + ")" : "request body", part);
    }

    @POST
    @Path("inspections")
    @Consumes(MediaType.MULTIPART_FORM_DATA)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Inspect one image sent as multipart form data (part 'file', optional field 'part_id')")
    public InspectionResult inspectForm(@RestForm("file") FileUpload file, @RestForm("part_id") String formPartId,
                                        @HeaderParam("X-Part-Id") String headerPartId) throws IOException {
        if (file == null) throw new InspectionException(InspectionException.Kind.BAD_REQUEST, "multipart request has no 'file' part");
        String part = uploads.partId(formPartId, headerPartId);
        return uploads.service().inspect(uploads.readUpload(file), file.fileName(), part);
    }

    @POST
    @Path("inspections:batch")
    @Consumes(MediaType.MULTIPART_FORM_DATA)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Inspect several images (parts named 'file' or 'files') in one request",
            description = "Every image is answered: 'results' in request order, each either a result or an error.")
    public Map<String, Object> inspectBatch(@RestForm("file") List<FileUpload> files, @RestForm("files") List<FileUpload> more,
                                            @RestForm("part_id") String partId, @HeaderParam("X-Part-Id") String headerPartId)
            throws IOException {
        List<FileUpload> all = new ArrayList<>();
        if (files != null) all.addAll(files);
        if (more != null) all.addAll(more);
        if (all.isEmpty()) throw new InspectionException(InspectionException.Kind.BAD_REQUEST, "no 'file' parts in the batch");
        int max = runtime.config().limits().maxBatchImages();
        if (all.size() > max) {
            throw new InspectionException(InspectionException.Kind.TOO_LARGE, all.size() + " images in one batch; the limit is " + max
                    + " (appliance.limits.max-batch-images)");
        }
        String part = uploads.partId(partId, headerPartId);
        List<Object> submitted = new ArrayList<>();
        for (FileUpload f : all) {
            try {
                submitted.add(uploads.service().submit(uploads.readUpload(f), f.fileName(), part));
            } catch (InspectionException e) {
                submitted.add(e);
            }
        }
        List<Object> results = new ArrayList<>();
        int failed = 0;
        for (int i = 0; i < submitted.size(); i++) {
            Object s = submitted.get(i);
            try {
                if (s instanceof InspectionException e) throw e;
                results.add(uploads.service().await((InspectionService.Pending) s));
            } catch (InspectionException e) {
                failed++;
                if (runtime.metrics() != null) runtime.metrics().rejected(e.kind().name().toLowerCase());
                Map<String, Object> err = new LinkedHashMap<>();
                err.put("source", all.get(i).fileName());
                err.put("error", e.kind().name().toLowerCase());
                err.put("detail", e.getMessage());
                results.add(err);
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("count", results.size());
        out.put("failed", failed);
        out.put("results", results);
        return out;
    }

    @GET
    @Path("inspections/{id}")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "A recent result (the last appliance.results.capacity are kept)")
    public InspectionResult get(@PathParam("id") String id) {
        return find(id);
    }

    @GET
    @Path("inspections/{id}/heatmap.png")
    @Produces("image/png")
    @Operation(summary = "The anomaly map as a jet overlay on the S×S input (fixed colour scale)")
    public Response heatmap(@PathParam("id") String id) {
        InspectionResult r = find(id);
        return Response.ok(Heatmap.overlayPng(r.resized(), r.anomalyMap(), runtime.heatmapRange(), Heatmap.DEFAULT_OPACITY)).build();
    }

    @GET
    @Path("inspections/{id}/anomaly-map.npy")
    @Produces(NPY)
    @Operation(summary = "The smoothed anomaly map, little-endian float32 [S,S] .npy")
    public Response anomalyMap(@PathParam("id") String id) throws IOException {
        InspectionResult r = find(id);
        java.nio.file.Path tmp = Files.createTempFile("map", ".npy");
        try {
            int s = r.map().size();
            Npy.writeFloat32(tmp, new long[] {s, s}, r.anomalyMap());
            return Response.ok(Files.readAllBytes(tmp))
                    .header("Content-Disposition", "attachment; filename=\"" + id + ".map.npy\"").build();
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private InspectionResult find(String id) {
        return uploads.service().store().get(id).orElseThrow(() -> new NotFoundException("no recent inspection with id '" + id
                + "' (only the last " + runtime.config().results().capacity() + " are kept)"));
    }
}
