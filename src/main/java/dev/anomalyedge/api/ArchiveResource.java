package dev.anomalyedge.api;

import dev.anomalyedge.archive.ArchiveEntry;
import dev.anomalyedge.archive.ArchivePage;
import dev.anomalyedge.service.Archive;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.util.List;

/**
 * The image archive ({@code /api/v1/archive…}, API key: archived part images may be sensitive): list entries, fetch
 * an entry's input image, overlay and result.
 */
@Path("/api/v1/archive")
@Tag(name = "archive")
public class ArchiveResource {
    @Inject
    Archive archive;

    @Inject
    ApiKeys apiKeys;

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Archived inspections, newest first, one page (needs the API key)",
            description = "Filters: verdict (repeatable or comma-separated), from (inclusive) and to (exclusive) as ISO-8601 "
                    + "instants, part_id. Pass next_cursor as cursor for the next page; it is null on the last page.")
    public ArchivePage list(@QueryParam("verdict") List<String> verdicts, @QueryParam("from") String from,
                            @QueryParam("to") String to, @QueryParam("part_id") String partId,
                            @Parameter(description = "1..1000, default 50") @QueryParam("limit") Integer limit,
                            @QueryParam("cursor") String cursor, @Context HttpHeaders headers) {
        apiKeys.require(headers);
        return archive.list(verdicts, from, to, partId, limit, cursor);
    }

    @GET
    @Path("{id}")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "One archived inspection (needs the API key)")
    public ArchiveEntry entry(@PathParam("id") String id, @Context HttpHeaders headers) {
        apiKeys.require(headers);
        return archive.entry(id);
    }

    @GET
    @Path("{id}/image")
    @Produces({"image/png", "image/jpeg", "image/bmp", MediaType.APPLICATION_OCTET_STREAM})
    @Operation(summary = "The input image exactly as received (needs the API key)")
    public Response image(@PathParam("id") String id, @Context HttpHeaders headers) {
        apiKeys.require(headers);
        return answer(archive.image(id));
    }

    @GET
    @Path("{id}/overlay.png")
    @Produces("image/png")
    @Operation(summary = "The heatmap overlay on the S×S model input; none for ERROR results (needs the API key)")
    public Response overlay(@PathParam("id") String id, @Context HttpHeaders headers) {
        apiKeys.require(headers);
        return answer(archive.overlay(id));
    }

    @GET
    @Path("{id}/result.json")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "The result document as answered and published (needs the API key)")
    public Response result(@PathParam("id") String id, @Context HttpHeaders headers) {
        apiKeys.require(headers);
        return answer(archive.result(id));
    }

    private static Response answer(Archive.File f) {
        return Response.ok(f.bytes(), f.contentType())
                .header("Content-Disposition", "inline; filename=\"" + f.name() + "\"").build();
    }
}
