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
 * Guards mutating endpoints: the key comes in {@code X-API-Key} or {@code Authorization: Bearer <key>}. No key → 401;
 * a wrong key → 403; no key configured on the appliance → 403 (mutations disabled).
 */
@ApplicationScoped
public class ApiKeys {
    @Inject
    ApplianceConfig config;

    public void require(HttpHeaders headers) {
        String given = headers.getHeaderString("X-API-Key");
        String auth = headers.getHeaderString(HttpHeaders.AUTHORIZATION);
        if (given == null && auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) given = auth.substring(7).trim();
        if (given == null || given.isEmpty()) {
            throw new WebApplicationException(Response.fromResponse(Problem.response(Response.Status.UNAUTHORIZED, "Unauthorized",
                    "this endpoint needs an API key in the X-API-Key header")).header("WWW-Authenticate", "Bearer").build());
        }
        String expected = config.apiKey().orElse("");
        if (expected.isEmpty()) {
            throw new WebApplicationException(Problem.response(Response.Status.FORBIDDEN, "Forbidden",
                    "no API key is configured on the appliance (appliance.api-key), so changes are disabled"));
        }
        if (!MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8), given.getBytes(StandardCharsets.UTF_8))) {
            throw new WebApplicationException(Problem.response(Response.Status.FORBIDDEN, "Forbidden", "the API key is not valid"));
        }
    }
}
