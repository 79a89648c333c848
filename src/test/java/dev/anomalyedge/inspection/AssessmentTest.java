package dev.anomalyedge.inspection;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** One result assembly: what a score and map mean under a calibration. */
class AssessmentTest {
    static final InspectionResult.Model MODEL = new InspectionResult.Model("m", "1", "fake", false);
    static final float[] MAP = {0.1f, 0.2f, 0.6f, 0.7f}; // 2×2

    @Test
    void aCalibratedModelGivesVerdictNormalisedScoreThresholdAndMapStatistics() {
        Assessment a = Assessment.of(0.8f, MAP, 2, new Calibration(0.6, 0.5), MODEL);
        assertEquals(Calibration.Verdict.NG, a.verdict());
        assertEquals(0.6, a.threshold());
        assertEquals(0.5 + 0.5 * (0.8f - 0.6) / 0.4, a.normalizedScore(), 1e-12, "0.5 at the threshold, linear above it");
        InspectionResult.MapStats m = a.mapStats();
        assertEquals(2, m.size());
        assertEquals(0.7f, m.max(), 0);
        assertEquals(((double) 0.1f + 0.2f + 0.6f + 0.7f) / 4, m.mean(), 1e-12);
        assertEquals(0.5, m.pixelThreshold());
        assertEquals(0.5, m.fractionAbove(), 0, "two of four pixels at or above 0.5");
        assertSame(MODEL, a.model());
        assertSame(MAP, a.map());

        assertEquals(Calibration.Verdict.OK, Assessment.of(0.3f, MAP, 2, new Calibration(0.6, 0.5), MODEL).verdict());
        assertEquals(0.25, Assessment.of(0.3f, MAP, 2, new Calibration(0.6, 0.5), MODEL).normalizedScore(), 1e-6);
    }

    @Test
    void anUncalibratedModelGivesMapStatisticsOnly() {
        Assessment a = Assessment.of(0.8f, MAP, 2, Calibration.NONE, MODEL);
        assertEquals(Calibration.Verdict.UNCALIBRATED, a.verdict());
        assertNull(a.threshold());
        assertNull(a.normalizedScore());
        assertNull(a.mapStats().pixelThreshold());
        assertNull(a.mapStats().fractionAbove());
        assertEquals(0.7f, a.mapStats().max(), 0);
    }

    @Test
    void aMapOfTheWrongSizeIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> Assessment.of(0.5f, MAP, 3, Calibration.NONE, MODEL));
    }
}
