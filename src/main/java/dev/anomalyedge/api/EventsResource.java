package dev.anomalyedge.api;

import dev.anomalyedge.service.LiveResults;
import io.smallrye.mutiny.Multi;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestStreamElementType;

import java.time.Duration;

/**
 * Results as they happen, as server-sent events (the operator page's live view): each event's data is
 * {@code {"type":"result","result":{…the result document…}}}, the last 20 results first; {@code {"type":"ping"}} every
 * 15 s keeps proxies from closing a quiet stream. Reading needs no key, like {@code GET /api/v1/inspections/{id}}.
 */
@Path("/api/v1/events")
@Tag(name = "inspections")
public class EventsResource {
    /** Seconds between keep-alive pings. */
    static final Duration PING = Duration.ofSeconds(15);

    @Inject
    LiveResults live;

    static final String PING_EVENT = "{\"type\":\"ping\"}";

    @GET
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @RestStreamElementType(MediaType.TEXT_PLAIN)   // each event's data is JSON text already
    @Operation(summary = "Results as they happen (server-sent events): the last 20, then every new one; a client that falls 256 results behind is disconnected")
    public Multi<String> events() {
        Multi<String> pings = Multi.createFrom().ticks().every(PING).onOverflow().drop().map(t -> PING_EVENT);
        return Multi.createBy().merging().streams(live.watch(), pings);
    }
}
