package dev.anomalyedge.service;

/** What a request names does not exist (a recent result, a training job); the REST adapter answers 404. */
public final class NotFound extends RuntimeException {
    public NotFound(String message) {
        super(message);
    }
}
