package dev.anomalyedge.api;

import dev.anomalyedge.recipe.RecipeException;
import dev.anomalyedge.recipe.RecipeStore;
import dev.anomalyedge.service.Recipes;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestForm;
import org.jboss.resteasy.reactive.multipart.FileUpload;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Recipes ({@code /api/v1/recipes…}): good reference images per part type, ROI, tiling and a calibrated threshold. */
@Path("/api/v1/recipes")
@Tag(name = "recipes")
public class RecipeResource {
    @Inject
    Recipes recipes;

    @Inject
    Uploads uploads;

    @Inject
    ApiKeys apiKeys;

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Every recipe, with the default one and each bank's state for the serving model")
    public Map<String, Object> list() throws IOException {
        return recipes.list();
    }

    @GET
    @Path("{name}")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "One recipe, with the file names of its reference images")
    public Map<String, Object> get(@PathParam("name") String name) {
        return recipes.get(name);
    }

    @GET
    @Path("{name}/references/{file}")
    @Produces({"image/png", "image/jpeg", "image/bmp", MediaType.APPLICATION_OCTET_STREAM})
    @Operation(summary = "A reference image as uploaded")
    public Response reference(@PathParam("name") String name, @PathParam("file") String file) throws IOException {
        String type = file.endsWith(".png") ? "image/png" : file.endsWith(".jpg") ? "image/jpeg" : file.endsWith(".bmp") ? "image/bmp"
                : MediaType.APPLICATION_OCTET_STREAM;
        return Response.ok(recipes.referenceImage(name, file), type).build();
    }

    @POST
    @Path("{name}")
    @Consumes(MediaType.MULTIPART_FORM_DATA)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Create a recipe from good images (needs the API key)",
            description = "Parts 'good' (one or more images), optional 'settings' (JSON {k, roi, tiles, mode}) and 'validation' "
                    + "(good images for the threshold only). 409 if it exists unless replace=true. The bank for the serving "
                    + "model is built and the threshold calibrated before the answer (201); with wait=false the answer is "
                    + "202 at once, with the bank BUILDING until GET shows it READY or FAILED.")
    public Response create(@PathParam("name") String name, @RestForm("good") List<FileUpload> good,
                           @RestForm("settings") String settings, @RestForm("validation") List<FileUpload> validation,
                           @QueryParam("replace") boolean replace, @QueryParam("wait") @DefaultValue("true") boolean wait,
                           @Context HttpHeaders headers) throws IOException {
        apiKeys.require(headers);
        RecipeStore.checkName(name);
        List<RecipeStore.Upload> goodImages = read(good);
        if (goodImages.isEmpty()) throw new RecipeException("no 'good' image parts: a recipe needs at least one good image");
        return Response.status(wait ? Response.Status.CREATED : Response.Status.ACCEPTED)
                .entity(recipes.create(name, settings, goodImages, read(validation), replace, wait)).build();
    }

    @DELETE
    @Path("{name}")
    @Operation(summary = "Delete a recipe (needs the API key)")
    public Response delete(@PathParam("name") String name, @Context HttpHeaders headers) throws IOException {
        apiKeys.require(headers);
        recipes.delete(name);
        return Response.noContent().build();
    }

    private List<RecipeStore.Upload> read(List<FileUpload> parts) throws IOException {
        List<RecipeStore.Upload> out = new ArrayList<>();
        if (parts == null) return out;
        if (parts.size() > RecipeStore.MAX_IMAGES) throw new RecipeException("at most " + RecipeStore.MAX_IMAGES + " images per part name");
        for (FileUpload f : parts) out.add(new RecipeStore.Upload(f.fileName(), uploads.readUpload(f)));
        return out;
    }

    @ServerExceptionMapper
    public Response badRecipe(RecipeException e) {
        return Problem.response(Response.Status.BAD_REQUEST, "Bad recipe", e.getMessage());
    }
}
