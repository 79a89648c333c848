package dev.anomalyedge.inspection;

/**
 * An inspection that could not be made: its stable {@link ErrorCode} (what the ERROR result says) and the kind of
 * failure the API turns into a status code.
 */
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
        INTERNAL,
        /** 404: what the request names (a recipe) does not exist. */
        NOT_FOUND
    }

    private final ErrorCode code;
    private volatile InspectionResult result;

    public InspectionException(ErrorCode code, String message) {
        super(message);
        this.code = code;
    }

    public InspectionException(ErrorCode code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    /** A failure of a kind with no finer code (UNAVAILABLE stands for {@link ErrorCode#NOT_SERVING}). */
    public InspectionException(Kind kind, String message) {
        this(ErrorCode.of(kind), message);
    }

    public InspectionException(Kind kind, String message, Throwable cause) {
        this(ErrorCode.of(kind), message, cause);
    }

    public Kind kind() { return code.kind(); }

    public ErrorCode code() { return code; }

    /** The ERROR result published for this failure, once the pipeline made it; null before. */
    public InspectionResult result() { return result; }

    /** This exception, carrying the ERROR result made for it. */
    InspectionException withResult(InspectionResult r) {
        this.result = r;
        return this;
    }
}
