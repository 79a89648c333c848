package dev.anomalyedge.service;

/** The request does not fit the state of what it names (e.g. activating an unfinished job); the REST adapter answers 409. */
public final class Conflict extends RuntimeException {
    private final String title;

    /** @param title a short summary (the problem title), the message the details */
    public Conflict(String title, String message) {
        super(message);
        this.title = title;
    }

    public String title() { return title; }
}
