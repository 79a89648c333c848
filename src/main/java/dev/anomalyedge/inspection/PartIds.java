package dev.anomalyedge.inspection;

/**
 * The caller's part id goes into the result, the MQTT result payload and the log, so it is bounded: at most
 * appliance.limits.max-part-id-length characters, printable ones only (no control, format or line-separator characters
 * that could break log lines or hide text, no unassigned code points or lone surrogates).
 */
public final class PartIds {
    private PartIds() {}

    /** The part id unchanged (null when none was given), or a BAD_REQUEST naming the problem. */
    public static String check(String partId, int maxLength) {
        if (partId == null) return null;
        int length = partId.codePointCount(0, partId.length());
        if (length > maxLength) {
            throw new InspectionException(InspectionException.Kind.BAD_REQUEST, "the part id is " + length
                    + " characters long; the limit is " + maxLength + " (appliance.limits.max-part-id-length)");
        }
        for (int i = 0, at = 0; i < partId.length(); at++) {
            int cp = partId.codePointAt(i);
            if (!printable(cp)) {
                throw new InspectionException(InspectionException.Kind.BAD_REQUEST, String.format(
                        "the part id holds a non-printable character (U+%04X) at position %d; use printable characters only", cp, at));
            }
            i += Character.charCount(cp);
        }
        return partId;
    }

    static boolean printable(int codePoint) {
        return switch (Character.getType(codePoint)) {
            case Character.CONTROL, Character.FORMAT, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR,
                 Character.UNASSIGNED, Character.SURROGATE, Character.PRIVATE_USE -> false;
            default -> true;
        };
    }
}
