package dev.anomalyedge.inspection;

import java.util.Locale;

/**
 * Why an image was not inspected, as a stable code for the line: every trigger that cannot be inspected still gets a
 * result with {@code "verdict": "ERROR"}, {@code "error": {"code": id(), "detail": …}} and {@code "result_code":
 * resultCode()}, so a PLC maps it without parsing text. Codes and numbers never change meaning; new ones get new
 * numbers. 0 (OK), 1 (NG) and 2 (UNCALIBRATED) are the verdicts of inspected images ({@link InspectionResult}).
 */
public enum ErrorCode {
    /** 10: empty or malformed request (no image bytes, no file part, a bad part id). */
    BAD_REQUEST(10, InspectionException.Kind.BAD_REQUEST),
    /** 11: not an image type the appliance accepts. */
    UNSUPPORTED_MEDIA_TYPE(11, InspectionException.Kind.UNSUPPORTED_MEDIA_TYPE),
    /** 12: corrupt, truncated or undecodable image. */
    UNDECODABLE(12, InspectionException.Kind.UNPROCESSABLE),
    /** 13: upload, pixel count or decoded size over the configured limit. */
    TOO_LARGE(13, InspectionException.Kind.TOO_LARGE),
    /** 14: the inspection asked for a recipe the appliance does not have (REST answers 404). */
    UNKNOWN_RECIPE(14, InspectionException.Kind.NOT_FOUND),
    /** 20: the inspection queue is full; retry. */
    QUEUE_FULL(20, InspectionException.Kind.UNAVAILABLE),
    /** 21: no model is loaded (yet). */
    NO_MODEL(21, InspectionException.Kind.UNAVAILABLE),
    /** 22: every decode slot is busy, or memory is short for this image now; retry. */
    BUSY(22, InspectionException.Kind.UNAVAILABLE),
    /** 23: the appliance is not serving (starting, or shutting down). */
    NOT_SERVING(23, InspectionException.Kind.UNAVAILABLE),
    /** 30: no result within the per-request deadline (appliance.batching.deadline). */
    DEADLINE_EXCEEDED(30, InspectionException.Kind.DEADLINE_EXCEEDED),
    /** 40: the engine failed. */
    INTERNAL(40, InspectionException.Kind.INTERNAL);

    private final int resultCode;
    private final InspectionException.Kind kind;

    ErrorCode(int resultCode, InspectionException.Kind kind) {
        this.resultCode = resultCode;
        this.kind = kind;
    }

    /** The numeric {@code result_code} of an ERROR result (≥ 10). */
    public int resultCode() { return resultCode; }

    /** The failure kind (and so the HTTP status) REST answers with. */
    public InspectionException.Kind kind() { return kind; }

    /** The code as it appears in results: lower case, e.g. {@code queue_full}. */
    public String id() { return name().toLowerCase(Locale.ROOT); }

    /** The code an exception built from a bare kind stands for. */
    static ErrorCode of(InspectionException.Kind kind) {
        return switch (kind) {
            case BAD_REQUEST -> BAD_REQUEST;
            case UNSUPPORTED_MEDIA_TYPE -> UNSUPPORTED_MEDIA_TYPE;
            case UNPROCESSABLE -> UNDECODABLE;
            case TOO_LARGE -> TOO_LARGE;
            case UNAVAILABLE -> NOT_SERVING;
            case DEADLINE_EXCEEDED -> DEADLINE_EXCEEDED;
            case INTERNAL -> INTERNAL;
            case NOT_FOUND -> UNKNOWN_RECIPE;
        };
    }
}
