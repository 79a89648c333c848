package dev.anomalyedge.inspection;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FaultMonitorTest {
    static InspectionResult error(ErrorCode code) {
        return InspectionResult.failed("P", "s", code, "why", null, 1);
    }

    static InspectionResult ok() {
        Assessment a = Assessment.of(0.1f, new float[4], 2, new Calibration(0.5, null), new InspectionResult.Model("m", "1", "cpu", false));
        return InspectionResult.inspected("id", "t", "P", "s", a, new InspectionResult.Timings(0, 0, 0, 0, 1), null);
    }

    @Test
    void consecutiveFailuresMakeAFaultThatTheNextGoodResultClears() {
        FaultMonitor f = new FaultMonitor(3);
        assertFalse(f.record(error(ErrorCode.UNDECODABLE)));
        assertFalse(f.record(error(ErrorCode.DEADLINE_EXCEEDED)));
        assertTrue(f.fault().isEmpty());
        assertTrue(f.record(error(ErrorCode.QUEUE_FULL)), "the third failure in a row changes the state");
        assertEquals("3 consecutive results failed; last queue_full: why", f.fault().orElseThrow());
        assertFalse(f.record(error(ErrorCode.QUEUE_FULL)), "still in FAULT: no change");
        assertTrue(f.record(ok()), "an inspected result clears the fault");
        assertTrue(f.fault().isEmpty());
        assertEquals(4, f.failed());
        assertEquals(1, f.late());
    }

    @Test
    void aGoodResultBetweenFailuresStartsTheCountAgain() {
        FaultMonitor f = new FaultMonitor(2);
        f.record(error(ErrorCode.INTERNAL));
        f.record(ok());
        f.record(error(ErrorCode.INTERNAL));
        assertTrue(f.fault().isEmpty());
    }

    @Test
    void zeroNeverFaults() {
        FaultMonitor f = new FaultMonitor(0);
        for (int i = 0; i < 100; i++) f.record(error(ErrorCode.INTERNAL));
        assertTrue(f.fault().isEmpty());
        assertThrows(IllegalArgumentException.class, () -> new FaultMonitor(-1));
    }

    @Test
    void resultCodesAndPass() {
        InspectionResult ok = ok();
        assertEquals(0, ok.resultCode());
        assertTrue(ok.pass());
        Assessment ng = Assessment.of(0.9f, new float[4], 2, new Calibration(0.5, null), null);
        InspectionResult r = InspectionResult.inspected("id", "t", null, "s", ng, new InspectionResult.Timings(0, 0, 0, 0, 1), null);
        assertEquals(1, r.resultCode());
        assertFalse(r.pass());
        Assessment unc = Assessment.of(0.9f, new float[4], 2, Calibration.NONE, null);
        InspectionResult u = InspectionResult.inspected("id", "t", null, "s", unc, new InspectionResult.Timings(0, 0, 0, 0, 1), null);
        assertEquals(2, u.resultCode());
        assertFalse(u.pass(), "no threshold, no judgement: not a pass");
        for (ErrorCode c : ErrorCode.values()) assertTrue(c.resultCode() >= 10, c + " is an error code");
        assertEquals(ErrorCode.values().length, java.util.Arrays.stream(ErrorCode.values()).mapToInt(ErrorCode::resultCode).distinct().count());
    }
}
