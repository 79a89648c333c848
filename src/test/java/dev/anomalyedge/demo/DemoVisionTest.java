package dev.anomalyedge.demo;

import dev.anomalyedge.synthetic.SyntheticParts;

import dev.anomalyedge.bundle.BundleExporter;
import dev.anomalyedge.bundle.ModelBundle;
import dev.anomalyedge.engine.AnomalyEngine;
import dev.anomalyedge.engine.ort.OrtAnomalyEngine;
import dev.anomalyedge.image.ImageDecoder;
import dev.anomalyedge.image.Preprocessor;
import dev.anomalyedge.model.ClipArchitecture;
import dev.anomalyedge.tensor.DType;
import dev.anomalyedge.testing.Golden;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.HashMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The designed demo vision tower, run through the real exported graph: its detector directions (e1..e6 of the
 * embedding) stay silent on good parts and light up exactly on the defect's patches, and the class token carries
 * the image mean of the detectors.
 */
class DemoVisionTest {
    static final int SIZE = 224, GRID = 14, PATCH = 16;
    static OrtAnomalyEngine engine;

    @BeforeAll
    static void export() throws Exception {
        Path dir = Golden.tempDir("demo-vision-");
        DemoModel.Checkpoints ck = DemoModel.writeCheckpoints(DemoModel.architecture(), DemoModel.settings(), DemoModel.SEED,
                dir.resolve("clip.safetensors"), dir.resolve("prompts.safetensors"), DType.F32);
        ModelBundle b = new BundleExporter(s -> { }).export(new BundleExporter.Request(ck.clip(), ck.prompts(),
                DemoModel.settings(), null, null, dir.resolve("bundle"), "demo", "test", true, DemoModel.NOTE));
        engine = OrtAnomalyEngine.open(b.graphFile(), 1);
    }

    @AfterAll
    static void close() {
        if (engine != null) engine.close();
    }

    /** Per patch of the last tap: the detector part of the patch feature, |f[1..6]| / |f|. */
    static float[] detectorShare(AnomalyEngine.FeatureBatch f) {
        int t0 = (f.taps() - 1) * f.tokens();
        float[] share = new float[GRID * GRID];
        for (int p = 0; p < share.length; p++) {
            int off = (t0 + 1 + p) * f.embedDim();
            double all = 0, det = 0;
            for (int j = 0; j < f.embedDim(); j++) {
                double v = f.patchFeatures()[off + j];
                all += v * v;
                if (j >= 1 && j <= 6) det += v * v;
            }
            share[p] = (float) Math.sqrt(det / all);
        }
        return share;
    }

    /** Through the product's path: PNG bytes, decoder, pre-processing, engine. */
    static AnomalyEngine.FeatureBatch features(BufferedImage img) {
        try {
            var png = new java.io.ByteArrayOutputStream();
            javax.imageio.ImageIO.write(img, "png", png);
            return engine.features(new Preprocessor(SIZE).image(new ImageDecoder().decode(png.toByteArray(), "test part")), 1);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static float imageDetectors(AnomalyEngine.FeatureBatch f) {
        double all = 0, det = 0;
        for (int j = 0; j < f.embedDim(); j++) {
            double v = f.imageFeatures()[j];
            all += v * v;
            if (j >= 1 && j <= 6) det += v * v;
        }
        return (float) Math.sqrt(det / all);
    }

    @Test
    void goodPartsLeaveTheDetectorsSilent() {
        for (long seed = 1; seed <= 3; seed++) {
            AnomalyEngine.FeatureBatch f = features(SyntheticParts.generate(SIZE, seed, SyntheticParts.Defect.NONE).image());
            for (float s : detectorShare(f)) assertTrue(s < 0.02, "good part " + seed + ": detector share " + s);
            assertTrue(imageDetectors(f) < 0.02, "class token of a good part: " + imageDetectors(f));
        }
    }

    @Test
    void defectPatchesLightUpAndOnlyThem() {
        for (SyntheticParts.Defect d : new SyntheticParts.Defect[] {SyntheticParts.Defect.CHIP, SyntheticParts.Defect.SPOT,
                SyntheticParts.Defect.SCRATCH}) {
            SyntheticParts.Sample s = SyntheticParts.generate(SIZE, 7, d);
            AnomalyEngine.FeatureBatch f = features(s.image());
            float[] share = detectorShare(f);
            float maxDefect = 0, maxClean = 0;
            for (int p = 0; p < share.length; p++) {
                int masked = 0;
                for (int y = 0; y < PATCH; y++) {
                    for (int x = 0; x < PATCH; x++) {
                        if (s.mask().getRaster().getSample((p % GRID) * PATCH + x, (p / GRID) * PATCH + y, 0) > 0) masked++;
                    }
                }
                if (masked > 0) maxDefect = Math.max(maxDefect, share[p]);
                else maxClean = Math.max(maxClean, share[p]);
            }
            assertTrue(maxDefect > 0.3, d + ": strongest defect patch " + maxDefect);
            assertTrue(maxClean < 0.02, d + ": strongest clean patch " + maxClean);
            assertTrue(imageDetectors(f) > 0.05, d + ": class token " + imageDetectors(f));
        }
    }

    @Test
    void onlyTheDemoShapeIsDesigned() {
        assertTrue(DemoVision.fits(DemoModel.architecture()));
        ClipArchitecture large = RandomClip.vitL14at336();
        assertFalse(DemoVision.fits(large));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DemoVision.apply(new HashMap<>(), large));
        assertTrue(e.getMessage().contains("width 128"), e.getMessage());
    }

    @Test
    void deterministic() {
        var a = RandomClip.generate(DemoModel.architecture(), 5);
        var b = RandomClip.generate(DemoModel.architecture(), 5);
        DemoVision.apply(a, DemoModel.architecture());
        DemoVision.apply(b, DemoModel.architecture());
        assertEquals(a.keySet(), b.keySet());
        for (String k : a.keySet()) {
            assertTrue(java.util.Arrays.equals(a.get(k).floats(), b.get(k).floats()), k);
        }
    }
}
