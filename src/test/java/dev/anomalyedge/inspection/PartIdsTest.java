package dev.anomalyedge.inspection;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Part ids are bounded and printable: they go into MQTT payloads and log lines. */
class PartIdsTest {
    @Test
    void printableIdsWithinTheLimitPass() {
        assertNull(PartIds.check(null, 8));
        assertEquals("PLC-42 A", PartIds.check("PLC-42 A", 8));
        assertEquals("Teil-Ä😀", PartIds.check("Teil-Ä😀", 7), "the limit counts characters, not UTF-16 units");
    }

    @Test
    void tooLongIsRefused() {
        InspectionException e = assertThrows(InspectionException.class, () -> PartIds.check("x".repeat(9), 8));
        assertEquals(InspectionException.Kind.BAD_REQUEST, e.kind());
        assertTrue(e.getMessage().contains("max-part-id-length"), e.getMessage());
    }

    @Test
    void nonPrintableCharactersAreRefused() {
        for (String bad : new String[] {"a\nb", "a\rb", "a\u0000", "\u001b[31m", "a\u0085", "a\u200bb", "\u202eevil", "a\u2028",
                "a\ud800", "\ue000"}) {
            InspectionException e = assertThrows(InspectionException.class, () -> PartIds.check(bad, 128), bad);
            assertEquals(InspectionException.Kind.BAD_REQUEST, e.kind());
        }
    }
}
