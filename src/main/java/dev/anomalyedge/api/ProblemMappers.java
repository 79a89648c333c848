package dev.anomalyedge.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.anomalyedge.inspection.InspectionResult;

import dev.anomalyedge.bundle.BundleException;
import dev.anomalyedge.inspection.InspectionException;
import dev.anomalyedge.inspection.ModelManager;
import dev.anomalyedge.service.Conflict;
import dev.anomalyedge.service.Inspections;
import dev.anomalyedge.service.NotFound;
import jakarta.inject.Inject;
import jakarta.ws.rs.NotAllowedException;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.NotSupportedException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Every failure becomes a problem+json answer naming the problem; nothing here takes the service down. */
public class ProblemMappers {
    private static final Logger LOG = Logger.getLogger(ProblemMappers.class);

    @Inject
    Inspections inspections;

    @Inject
    ObjectMapper json;

    @ServerExceptionMapper
    public Response inspection(InspectionException e) {
        String reason = e.kind().name().toLowerCase();
        inspections.rejected(reason);
        Response problem = switch (e.kind()) {
            case BAD_REQUEST -> Problem.response(Response.Status.BAD_REQUEST, "Bad request", e.getMessage());
            case TOO_LARGE -> Problem.response(Response.Status.REQUEST_ENTITY_TOO_LARGE, "Image too large", e.getMessage());
            case UNSUPPORTED_MEDIA_TYPE -> Problem.response(Response.Status.UNSUPPORTED_MEDIA_TYPE, "Unsupported media type", e.getMessage());
            case UNPROCESSABLE -> Problem.response(422, "Unreadable image", e.getMessage());
            case UNAVAILABLE -> Response.fromResponse(Problem.response(Response.Status.SERVICE_UNAVAILABLE, "Service unavailable", e.getMessage()))
                    .header("Retry-After", "1").build();
            case DEADLINE_EXCEEDED -> Problem.response(Response.Status.GATEWAY_TIMEOUT, "Deadline exceeded", e.getMessage());
            case NOT_FOUND -> Problem.response(Response.Status.NOT_FOUND, "Not found", e.getMessage());
            case INTERNAL -> {
                LOG.error("inspection failed", e);
                yield Problem.response(Response.Status.INTERNAL_SERVER_ERROR, "Inference failed", e.getMessage());
            }
        };
        return withResult(problem, e.result());
    }

    /**
     * The problem answer with the ERROR result's fields added (RFC 9457 extension members): the same document MQTT
     * publishes for this trigger (id, verdict ERROR, result_code, pass, error code), beside the problem's own fields.
     */
    private Response withResult(Response problem, InspectionResult result) {
        if (result == null) return problem;
        ObjectNode body = json.valueToTree(problem.getEntity());
        body.setAll((ObjectNode) json.valueToTree(result));
        return Response.fromResponse(problem).entity(body).build();
    }

    @ServerExceptionMapper
    public Response bundle(BundleException e) {
        return Problem.response(Response.Status.CONFLICT, "Model not activated", e.getMessage());
    }

    @ServerExceptionMapper
    public Response activationFailed(ModelManager.ActivationFailed e) {
        LOG.error("model activation failed", e);
        return Problem.response(Response.Status.INTERNAL_SERVER_ERROR, "Model not activated", e.getMessage());
    }

    @ServerExceptionMapper
    public Response unsupported(NotSupportedException e) {
        inspections.rejected("unsupported_media_type");
        return Problem.response(Response.Status.UNSUPPORTED_MEDIA_TYPE, "Unsupported media type",
                "send image/png, image/jpeg, image/bmp, application/octet-stream or multipart/form-data with a 'file' part");
    }

    @ServerExceptionMapper
    public Response notFound(NotFoundException e) {
        return Problem.response(Response.Status.NOT_FOUND, "Not found", e.getMessage());
    }

    @ServerExceptionMapper
    public Response notFound(NotFound e) {
        return Problem.response(Response.Status.NOT_FOUND, "Not found", e.getMessage());
    }

    @ServerExceptionMapper
    public Response conflict(Conflict e) {
        return Problem.response(Response.Status.CONFLICT, e.title(), e.getMessage());
    }

    @ServerExceptionMapper
    public Response notAllowed(NotAllowedException e) {
        return Problem.response(Response.Status.METHOD_NOT_ALLOWED, "Method not allowed", e.getMessage());
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e) {
        if (e.getResponse().hasEntity()) return e.getResponse();
        int status = e.getResponse().getStatus();
        return Problem.response(status, Response.Status.fromStatusCode(status) != null
                ? Response.Status.fromStatusCode(status).getReasonPhrase() : "Error", e.getMessage());
    }

    @ServerExceptionMapper
    public Response illegalArgument(IllegalArgumentException e) {
        return Problem.response(Response.Status.BAD_REQUEST, "Bad request", e.getMessage());
    }
}
