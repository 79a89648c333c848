package dev.anomalyedge.service;

import dev.anomalyedge.image.Heatmap;
import dev.anomalyedge.inspection.Calibration;
import dev.anomalyedge.inspection.InspectionResult;
import dev.anomalyedge.inspection.LoadedModel;
import dev.anomalyedge.training.DemoFixture;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The overlay colour scale: the model's fixed one, or a calibrated recipe's around its threshold. */
class OverlayRangeTest {
    @Test
    void aRecipeResultIsColouredAroundItsThreshold() {
        LoadedModel m = new LoadedModel(DemoFixture.get().untrainedBundle(), null);
        double taps = m.bundle().settings().mapUpperBound();

        Heatmap.Range plain = ResultRouter.overlayRange(m, result(null, 0.8));
        assertEquals(0f, plain.low());
        assertEquals((float) taps, plain.high(), "zero-shot: 0 → the map's upper bound, as before");

        // a recipe threshold of 0.05 (a few-shot-scale score = map peak / taps): the threshold's map value is mid-scale
        Heatmap.Range recipe = ResultRouter.overlayRange(m, result("line-a", 0.05));
        assertEquals((float) (2 * 0.05 * taps), recipe.high(), 1e-6f);
        assertEquals(0.5f, recipe.normalise((float) (0.05 * taps)), 1e-6f);

        assertEquals((float) taps, ResultRouter.overlayRange(m, result("line-a", null)).high(), "uncalibrated recipe: the model's scale");
        assertEquals(1f, ResultRouter.overlayRange(null, result("line-a", 0.05)).high(), "no model: 0 → 1");
    }

    private static InspectionResult result(String recipe, Double threshold) {
        return new InspectionResult("id", "2026-12-02T00:00:00Z", null, "rest", 0.1, null, Calibration.Verdict.OK, 0, true, threshold,
                null, null, recipe, null, null, new float[4], null);
    }
}
