package dev.anomalyedge.api;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Whether a request that changes something may come from the browser page that sent it. A plain HTML form on any page
 * can POST here without a CORS preflight, so browsers' own statements decide: {@code Sec-Fetch-Site: cross-site}, or an
 * {@code Origin} that is not this appliance, is refused unless that origin is in appliance.http.allowed-origins.
 * Requests without these headers (curl, PLCs, scripts) are not from a browser page and pass.
 */
final class CrossSite {
    private final Set<String> allowed;

    CrossSite(List<String> allowedOrigins) {
        this.allowed = allowedOrigins.stream().map(CrossSite::normalize).filter(Objects::nonNull).collect(Collectors.toSet());
    }

    /**
     * Why the request is refused, or null when it may proceed.
     *
     * @param origin        the {@code Origin} header, or null
     * @param secFetchSite  the {@code Sec-Fetch-Site} header, or null
     * @param requestUri    the request as this server saw it (host and port from the Host header)
     */
    String refusal(String origin, String secFetchSite, URI requestUri) {
        String normalized = origin == null ? null : normalize(origin);
        if (normalized != null && allowed.contains(normalized)) return null;
        if ("cross-site".equalsIgnoreCase(secFetchSite)) {
            return "a browser sent this change from a page on another site (Sec-Fetch-Site: cross-site"
                    + (origin != null ? ", Origin: " + origin : "") + "); list that origin in appliance.http.allowed-origins to allow it";
        }
        if (origin != null && !sameOrigin(origin, requestUri)) {
            return "a browser page on origin " + origin + " may not send changes to this appliance; list that origin in "
                    + "appliance.http.allowed-origins to allow it";
        }
        return null;
    }

    /**
     * Same host and port as the request. The scheme is not compared: behind a TLS-terminating proxy the browser's https
     * origin reaches the appliance as http. A port left out means the default port of the origin's scheme.
     */
    static boolean sameOrigin(String origin, URI requestUri) {
        URI o = parse(origin);
        if (o == null || requestUri == null || requestUri.getHost() == null) return false;
        int defaultPort = o.getScheme().equals("https") ? 443 : 80;
        int originPort = o.getPort() != -1 ? o.getPort() : defaultPort;
        int requestPort = requestUri.getPort() != -1 ? requestUri.getPort() : defaultPort;
        return o.getHost().equalsIgnoreCase(requestUri.getHost()) && originPort == requestPort;
    }

    /** {@code scheme://host[:port]} in lower case without a default port, or null for anything that is not an http(s) origin ("null"). */
    static String normalize(String origin) {
        URI o = parse(origin);
        if (o == null) return null;
        int defaultPort = o.getScheme().equals("https") ? 443 : 80;
        return o.getScheme() + "://" + o.getHost().toLowerCase(Locale.ROOT) + (o.getPort() == -1 || o.getPort() == defaultPort ? "" : ":" + o.getPort());
    }

    private static URI parse(String origin) {
        try {
            URI u = new URI(origin.trim());
            String scheme = u.getScheme() == null ? null : u.getScheme().toLowerCase(Locale.ROOT);
            if (!"http".equals(scheme) && !"https".equals(scheme) || u.getHost() == null) return null;
            if (u.getRawPath() != null && !u.getRawPath().isEmpty() && !u.getRawPath().equals("/")) return null;
            if (u.getRawQuery() != null || u.getRawFragment() != null || u.getRawUserInfo() != null) return null;
            return new URI(scheme, null, u.getHost(), u.getPort(), null, null, null);
        } catch (URISyntaxException e) {
            return null;
        }
    }
}
