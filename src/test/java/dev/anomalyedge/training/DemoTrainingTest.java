package dev.anomalyedge.training;

import dev.anomalyedge.inspection.Calibration;
import dev.anomalyedge.testing.Golden;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DemoTrainingTest {
    @Test
    void trainsTheDemoModelAndImprovesOnAHeldOutSplit() throws Exception {
        Path work = Golden.tempDir("demo-training-");
        DemoTraining.Result r = DemoTraining.train(work, work.resolve("models/demo/trained-1"),
                new DemoTraining.Options(4, 12, 18, 8, 12, 224), p -> { }, System.out::println);
        System.out.println("untrained:\n" + r.untrained().toMarkdown() + "\ntrained:\n" + r.trained().toMarkdown());
        System.out.printf("took %.1f s%n", r.seconds());
        assertTrue(r.trained().mean().pixelAuroc() > r.untrained().mean().pixelAuroc());
        assertTrue(r.trained().mean().imageAuroc() > r.untrained().mean().imageAuroc());
        Calibration c = Calibration.fromManifest(r.bundle().manifest().calibration());
        assertNotNull(c.imageThreshold());
    }
}
