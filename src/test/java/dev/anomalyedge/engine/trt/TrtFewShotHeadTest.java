package dev.anomalyedge.engine.trt;

import dev.anomalyedge.engine.EngineException;
import dev.anomalyedge.graph.FewShotGraphBuilder;
import dev.anomalyedge.graph.GoldenVision;
import dev.anomalyedge.model.AnomalyClipSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the TensorRT few-shot head does before any native call: its shape read from the scoring model, its ONNX model
 * and folder, and opening without a plan or without natives (null, so banks are searched on the host). The search
 * itself runs on a GPU only ({@code TrtGpuTest}).
 */
class TrtFewShotHeadTest {
    static final TrtAvailability GPU = TrtAvailability.available(new GpuDevice(0, "NVIDIA H200", 9, 0, 143L << 30), "10.15.1.29");

    @TempDir
    Path bundle;

    private TrtFewShotHead.Shape case1() throws IOException {
        GoldenVision c = GoldenVision.load("case1_p14_s112_taps4");
        c.builder(c.settings()).write(bundle.resolve(PlanCache.MODEL_FILE));
        return TrtFewShotHead.Shape.of(bundle.resolve(PlanCache.MODEL_FILE));
    }

    @Test
    void theShapeIsReadFromTheScoringModel() throws IOException {
        TrtFewShotHead.Shape s = case1();
        GoldenVision c = GoldenVision.load("case1_p14_s112_taps4");
        assertEquals(new TrtFewShotHead.Shape(4, 65, 32, 112, c.settings().sigma(), AnomalyClipSettings.TapReduction.SUM), s);
        assertEquals(8 * 64, s.rows(TrtFewShotHead.DEFAULT_BANK_IMAGES), "8 whole images of the 8 × 8 grid");

        Files.write(bundle.resolve("other.onnx"), FewShotGraphBuilder.build(4, 65, 32, 112, s.sigma(), s.reduction())); // an ONNX model, but not a scoring one
        EngineException e = assertThrows(EngineException.class, () -> TrtFewShotHead.Shape.of(bundle.resolve("other.onnx")));
        assertTrue(e.getMessage().contains("anomalyclip.sigma"), e.getMessage());
    }

    @Test
    void theHeadModelIsWrittenIntoItsFolderOnlyWhenItChanges() throws IOException {
        TrtFewShotHead.Shape s = case1();
        PlanCache cache = TrtFewShotHead.cache(bundle, s.rows(8));
        assertEquals(bundle.resolve("engines/fewshot-head-n512"), cache.enginesDir());
        Path model = TrtFewShotHead.writeModel(cache, s);
        assertArrayEquals(FewShotGraphBuilder.build(4, 65, 32, 112, s.sigma(), s.reduction()), Files.readAllBytes(model));
        FileTime written = FileTime.fromMillis(1_000_000L);
        Files.setLastModifiedTime(model, written);
        TrtFewShotHead.writeModel(cache, s);
        assertEquals(written, Files.getLastModifiedTime(model), "the same model is not written again (its plan stays valid)");
        assertEquals(512, TrtFewShotHead.rowsOf("fewshot-head-n512"));
        assertEquals(-1, TrtFewShotHead.rowsOf("fewshot-head-nx"));
        assertEquals(-1, TrtFewShotHead.rowsOf("nvidia-h200-sm90-trt10.15.1-fp16.plan"));
    }

    @Test
    void withoutAPlanOrWithoutNativesThereIsNoDeviceSearch() throws IOException {
        TrtFewShotHead.Shape s = case1();
        assertNull(TrtFewShotHead.openIfBuilt(bundle, GPU), "no engines folder");

        // a head plan with a matching sidecar: opening needs the TensorRT natives, absent here, so still none (and no throw)
        PlanCache cache = TrtFewShotHead.cache(bundle, s.rows(2));
        Path model = TrtFewShotHead.writeModel(cache, s);
        PlanKey key = PlanKey.of(GPU, TrtPrecision.FP32);
        Files.write(cache.planFile(key), new byte[16]);
        cache.writeSidecar(key, new PlanSidecar(PlanSidecar.FORMAT, cache.planFile(key).getFileName().toString(), 16, key.tensorrtVersion(),
                key.gpuName(), key.computeCapability(), "fp32", ModelDigest.sha256(model), new BatchProfile(1, 1, 1), 1 << 20, 0, 1.0,
                "2026-12-02T00:00:00Z"));
        assertEquals(PlanCache.Status.MATCH, cache.lookup(key, ModelDigest.sha256(model), 1).status());
        assertNull(TrtFewShotHead.openIfBuilt(bundle, GPU));

        // a head built for another scoring model (another σ) is not taken
        Files.write(model, FewShotGraphBuilder.build(4, 65, 32, 112, s.sigma() + 1, s.reduction()));
        assertNull(TrtFewShotHead.openIfBuilt(bundle, GPU));
    }
}
