package dev.anomalyedge.inspection;

/** An inspection that could not be made, with the kind of failure the API turns into a status code. */
public class InspectionException extends RuntimeException {
    public enum Kind {
        /** 400: empty or malformed request. */
        BAD_REQUEST,
        /** 413: upload or pixel count over the configured limit. */
        TOO_LARGE,
        /** 415: not an image type we accept. */
        UNSUPPORTED_MEDIA_TYPE,
        /** 422: corrupt, truncated or undecodable image. */
        UNPROCESSABLE,
        /** 503: queue full or no model loaded; retry later. */
        UNAVAILABLE,
        /** 504: the per-request deadline passed. */
        DEADLINE_EXCEEDED,
        /** 500: the engine failed. */
        INTERNAL
    }

    private final Kind kind;

    public InspectionException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public InspectionException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() { return kind; }
}
