package dev.anomalyedge.training;

import dev.anomalyedge.evaluation.Evaluation;

import dev.anomalyedge.inspection.Calibration;
import dev.anomalyedge.testing.Golden;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DemoTrainingTest {
    /** A small run of the demo training: a demo-flagged, trained and calibrated bundle whose maps improved. */
    @Test
    void trainsCalibratesAndMarksTheDemoBundle() throws Exception {
        Path work = Golden.tempDir("demo-training-");
        DemoTraining.Result r = DemoTraining.train(work, work.resolve("models/demo/trained-1"),
                new DemoTraining.Options(3, 8, 12, 6, 9, 224), p -> { }, s -> { });
        System.out.printf("demo training (small) took %.1f s%nuntrained:%n%strained:%n%s", r.seconds(),
                Evaluation.summary(r.untrained()), Evaluation.summary(r.trained()));
        assertTrue(r.bundle().manifest().demo());
        assertEquals(DemoTraining.NOTE, r.bundle().manifest().note());
        assertEquals("demo", r.bundle().name());
        assertEquals("trained-1", r.bundle().version());
        assertTrue(r.trained().mean().pixelAuroc() > r.untrained().mean().pixelAuroc() + 0.05,
                "pixel AUROC " + r.untrained().mean().pixelAuroc() + " -> " + r.trained().mean().pixelAuroc());
        assertTrue(r.trained().mean().imageAuroc() > r.untrained().mean().imageAuroc() + 0.05,
                "image AUROC " + r.untrained().mean().imageAuroc() + " -> " + r.trained().mean().imageAuroc());
        Calibration c = Calibration.fromManifest(r.bundle().manifest().calibration());
        assertNotNull(c.imageThreshold());
        assertNotNull(c.pixelThreshold());
        assertNotNull(r.bundle().manifest().training().validationMetrics());
    }
}
