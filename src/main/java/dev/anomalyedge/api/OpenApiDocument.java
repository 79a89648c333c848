package dev.anomalyedge.api;

import io.quarkus.smallrye.openapi.OpenApiFilter;
import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.OASFilter;
import org.eclipse.microprofile.openapi.models.OpenAPI;
import org.eclipse.microprofile.openapi.models.Operation;
import org.eclipse.microprofile.openapi.models.PathItem;
import org.eclipse.microprofile.openapi.models.media.Schema;
import org.eclipse.microprofile.openapi.models.responses.APIResponses;
import org.eclipse.microprofile.openapi.models.security.SecurityScheme;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Completes {@code /q/openapi} in one place instead of annotating every resource: the API-key security schemes
 * ({@code X-API-Key} header or {@code Authorization: Bearer}) on the operations that need the key, and the
 * {@code application/problem+json} error answers each operation can give, following the rules the README states.
 * Answers a resource already documents are kept.
 */
@OpenApiFilter(OpenApiFilter.RunStage.BUILD)
public class OpenApiDocument implements OASFilter {
    static final String KEY_HEADER = "apiKey";
    static final String BEARER = "bearer";

    private static final Map<String, String> WHY = Map.ofEntries(
            Map.entry("400", "Bad request: a malformed body, parameter or part id"),
            Map.entry("401", "No API key: send it in X-API-Key or Authorization: Bearer"),
            Map.entry("403", "Wrong API key, no key configured on the appliance, or a cross-site request"),
            Map.entry("404", "Not found"),
            Map.entry("409", "Conflict with the current state (already exists, not finished, or the bundle does not load)"),
            Map.entry("413", "Upload, pixel count or decoded size over the limits"),
            Map.entry("415", "Not a media type this operation takes"),
            Map.entry("422", "Corrupt, truncated or unsupported image"),
            Map.entry("500", "The engine failed, or the change could not be recorded"),
            Map.entry("503", "Not serving yet, queue full or decoders busy (see Retry-After)"),
            Map.entry("504", "No result within the deadline"));

    @Override
    public void filterOpenAPI(OpenAPI openAPI) {
        if (openAPI.getComponents() == null) openAPI.setComponents(OASFactory.createComponents());
        openAPI.getComponents()
                .addSecurityScheme(KEY_HEADER, OASFactory.createSecurityScheme().type(SecurityScheme.Type.APIKEY)
                        .in(SecurityScheme.In.HEADER).name("X-API-Key").description("appliance.api-key"))
                .addSecurityScheme(BEARER, OASFactory.createSecurityScheme().type(SecurityScheme.Type.HTTP).scheme("bearer")
                        .description("appliance.api-key as a bearer token"))
                .addSchema("Problem", problemSchema());
        if (openAPI.getPaths() == null || openAPI.getPaths().getPathItems() == null) return;
        openAPI.getPaths().getPathItems().forEach((path, item) -> item.getOperations().forEach((method, op) -> {
            boolean key = needsKey(path, method);
            if (key) {
                op.addSecurityRequirement(OASFactory.createSecurityRequirement().addScheme(KEY_HEADER));
                op.addSecurityRequirement(OASFactory.createSecurityRequirement().addScheme(BEARER));
            }
            errors(path, method, key).forEach((code, why) -> addProblem(op, code, why));
        }));
    }

    /** Mutating operations, training jobs and the archive need the key; inspections only with require-key. */
    static boolean needsKey(String path, PathItem.HttpMethod method) {
        if (path.startsWith("/api/v1/training-jobs") || path.startsWith("/api/v1/archive")) return true;
        if (path.startsWith("/api/v1/inspections")) return false;
        return path.startsWith("/api/v1/") && method != PathItem.HttpMethod.GET;
    }

    /** The error answers of one operation, by status code. */
    static Map<String, String> errors(String path, PathItem.HttpMethod method, boolean key) {
        Map<String, String> out = new LinkedHashMap<>();
        if (!path.startsWith("/api/v1/")) return out;
        boolean inspect = path.startsWith("/api/v1/inspections") && method == PathItem.HttpMethod.POST;
        if (inspect) {
            for (String c : List.of("400", "413", "415", "422", "500", "503", "504")) out.put(c, WHY.get(c));
            out.put("401", WHY.get("401") + " (only with appliance.inspections.require-key=true)");
            out.put("403", WHY.get("403"));
            return out;
        }
        if (key) {
            out.put("401", WHY.get("401"));
            out.put("403", WHY.get("403"));
        } else if (method != PathItem.HttpMethod.GET) {
            out.put("403", "Cross-site request refused");
        }
        if (path.contains("{") || path.startsWith("/api/v1/archive") || path.startsWith("/api/v1/recipes")) out.put("404", WHY.get("404"));
        if (method == PathItem.HttpMethod.POST || path.startsWith("/api/v1/archive")) out.put("400", WHY.get("400"));
        if (path.endsWith("/activate") || (path.startsWith("/api/v1/recipes") && method == PathItem.HttpMethod.POST)) {
            out.put("409", WHY.get("409"));
        }
        if (path.startsWith("/api/v1/recipes") && method == PathItem.HttpMethod.POST) {
            out.put("413", WHY.get("413"));
            out.put("415", WHY.get("415"));
        }
        if (path.endsWith("/activate")) out.put("500", WHY.get("500"));
        if (path.startsWith("/api/v1/training-jobs") || path.endsWith("/activate")) out.put("503", "The appliance is not serving yet");
        return out;
    }

    private static void addProblem(Operation op, String code, String why) {
        if (op.getResponses() == null) op.setResponses(OASFactory.createAPIResponses());
        APIResponses responses = op.getResponses();
        if (responses.hasAPIResponse(code)) return;
        responses.addAPIResponse(code, OASFactory.createAPIResponse().description(why)
                .content(OASFactory.createContent().addMediaType(Problem.MEDIA_TYPE,
                        OASFactory.createMediaType().schema(OASFactory.createSchema().ref("Problem")))));
    }

    private static Schema problemSchema() {
        return OASFactory.createSchema().type(List.of(Schema.SchemaType.OBJECT))
                .description("RFC 9457 problem details; ERROR inspection answers carry the result document's fields beside these")
                .addProperty("type", OASFactory.createSchema().type(List.of(Schema.SchemaType.STRING)))
                .addProperty("title", OASFactory.createSchema().type(List.of(Schema.SchemaType.STRING)))
                .addProperty("status", OASFactory.createSchema().type(List.of(Schema.SchemaType.INTEGER)))
                .addProperty("detail", OASFactory.createSchema().type(List.of(Schema.SchemaType.STRING)))
                .addProperty("instance", OASFactory.createSchema().type(List.of(Schema.SchemaType.STRING)))
                .required(List.of("type", "title", "status"));
    }
}
