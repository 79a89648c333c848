package dev.anomalyedge.api;

import dev.anomalyedge.config.ApplianceConfig;
import jakarta.inject.Inject;
import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;
import org.jboss.resteasy.reactive.server.SimpleResourceInfo;

import java.util.List;
import java.util.Set;

/**
 * Checks before any endpoint runs: changes (POST/PUT/DELETE/PATCH) sent by browser pages of other sites are refused
 * ({@link CrossSite}), and with appliance.inspections.require-key inspections need the API key ({@link ApiKeys}).
 */
public class RequestGuards {
    private static final Set<String> CHANGES = Set.of(HttpMethod.POST, HttpMethod.PUT, HttpMethod.DELETE, HttpMethod.PATCH);

    private final CrossSite crossSite;
    private final boolean inspectionsNeedKey;
    private final ApiKeys apiKeys;

    @Inject
    RequestGuards(ApplianceConfig config, ApiKeys apiKeys) {
        this.crossSite = new CrossSite(config.http().allowedOrigins().orElse(List.of()));
        this.inspectionsNeedKey = config.inspections().requireKey();
        this.apiKeys = apiKeys;
    }

    @ServerRequestFilter(priority = Priorities.AUTHENTICATION - 100)
    public Response crossSiteChanges(ContainerRequestContext request) {
        if (!CHANGES.contains(request.getMethod())) return null;
        String refusal = crossSite.refusal(request.getHeaderString("Origin"), request.getHeaderString("Sec-Fetch-Site"),
                request.getUriInfo().getRequestUri());
        return refusal == null ? null : Problem.response(Response.Status.FORBIDDEN, "Cross-site request refused", refusal);
    }

    @ServerRequestFilter(priority = Priorities.AUTHENTICATION)
    public Response inspectionKey(ContainerRequestContext request, HttpHeaders headers, SimpleResourceInfo resource) {
        if (!inspectionsNeedKey || resource.getResourceClass() != InspectionResource.class
                || !HttpMethod.POST.equals(request.getMethod())) {
            return null;
        }
        return apiKeys.refusal(headers);
    }
}
