package dev.anomalyedge.api;

import dev.anomalyedge.config.ApplianceConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * Guards mutating endpoints, training job details and (with appliance.inspections.require-key) inspections: the key
 * comes in {@code X-API-Key} or {@code Authorization: Bearer <key>}. No key → 401; a wrong key → 403; no key configured
 * on the appliance → 403 (guarded endpoints disabled).
 */
@ApplicationScoped
public class ApiKeys {
    @Inject
    ApplianceConfig config;

    /** Throws the 401/403 problem unless the request carries the appliance's key. */
    public void require(HttpHeaders headers) {
        Response refusal = refusal(headers);
        if (refusal != null) throw new WebApplicationException(refusal);
    }

    /** The 401/403 problem answer for a request without the appliance's key, or null when the key is valid. */
    public Response refusal(HttpHeaders headers) {
        String given = headers.getHeaderString("X-API-Key");
        String auth = headers.getHeaderString(HttpHeaders.AUTHORIZATION);
        if (given == null && auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) given = auth.substring(7).trim();
        if (given == null || given.isEmpty()) {
            return Response.fromResponse(Problem.response(Response.Status.UNAUTHORIZED, "Unauthorized",
                    "this endpoint needs an API key in the X-API-Key header")).header("WWW-Authenticate", "Bearer").build();
        }
        String expected = config.apiKey().orElse("");
        if (expected.isEmpty()) {
            return Problem.response(Response.Status.FORBIDDEN, "Forbidden",
                    "no API key is configured on the appliance (appliance.api-key), so this endpoint is disabled");
        }
        if (!MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8), given.getBytes(StandardCharsets.UTF_8))) {
            return Problem.response(Response.Status.FORBIDDEN, "Forbidden", "the API key is not valid");
        }
        return null;
    }
}
