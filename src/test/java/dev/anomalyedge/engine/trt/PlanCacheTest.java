package dev.anomalyedge.engine.trt;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PlanCacheTest {
    static final String SHA = "ab".repeat(32);
    static final TrtAvailability H200 = TrtAvailability.available(new GpuDevice(0, "NVIDIA H200", 9, 0, 143L << 30), "10.15.1.29");
    static final PlanKey KEY = PlanKey.of(H200, TrtPrecision.FP16);

    @TempDir
    Path bundle;

    /** A plan of {@code bytes} bytes and its sidecar, as the builder would leave them. */
    static PlanSidecar writePlan(PlanCache cache, PlanKey key, String sha, int maxBatch, int bytes) throws IOException {
        Files.createDirectories(cache.enginesDir());
        Files.write(cache.planFile(key), new byte[bytes]);
        PlanSidecar s = new PlanSidecar(PlanSidecar.FORMAT, cache.planFile(key).getFileName().toString(), bytes, key.tensorrtVersion(),
                key.gpuName(), key.computeCapability(), key.precision().id(), sha, BatchProfile.upTo(8, maxBatch), 4L << 30, 97, 183.4,
                "2026-01-02T03:04:05Z");
        cache.writeSidecar(key, s);
        return s;
    }

    @Test
    void layoutNamesGpuComputeCapabilityTensorRtAndPrecision() {
        PlanCache cache = PlanCache.forBundle(bundle);
        assertEquals(bundle.resolve("engines"), cache.enginesDir());
        assertEquals(bundle.resolve("engines/nvidia-h200-sm90-trt10.15.1-fp16.plan"), cache.planFile(KEY));
        assertEquals(bundle.resolve("engines/nvidia-h200-sm90-trt10.15.1-fp16.json"), cache.sidecarFile(KEY));
        assertEquals(bundle.resolve("engines/nvidia-h200-sm90-trt10.15.1.timing-cache"), cache.timingCacheFile(KEY));
        PlanKey fp32 = PlanKey.of(H200, TrtPrecision.FP32);
        assertEquals("nvidia-h200-sm90-trt10.15.1-fp32", fp32.baseName());
        assertEquals(cache.timingCacheFile(KEY), cache.timingCacheFile(fp32), "precisions share the timing cache");
        PlanKey orin = new PlanKey("Orin (nvgpu)", "8.7", "10.3.0", TrtPrecision.FP16);
        assertEquals("orin-nvgpu-sm87-trt10.3.0-fp16", orin.baseName());
    }

    @Test
    void aMatchingSidecarMatchesAndRoundTrips() throws IOException {
        PlanCache cache = PlanCache.forBundle(bundle);
        PlanSidecar written = writePlan(cache, KEY, SHA, 32, 1000);
        assertEquals(written, cache.readSidecar(cache.sidecarFile(KEY)));
        PlanCache.Lookup l = cache.lookup(KEY, SHA, 32);
        assertTrue(l.matches(), l.reason());
        assertEquals(cache.planFile(KEY), l.plan());
        assertEquals(written, l.sidecar());
        assertTrue(cache.lookup(KEY, SHA, 1).matches(), "a smaller max batch is served by a larger profile");
        String json = Files.readString(cache.sidecarFile(KEY));
        for (String field : List.of("\"tensorrtVersion\" : \"10.15.1.29\"", "\"gpuName\" : \"NVIDIA H200\"", "\"computeCapability\" : \"9.0\"",
                "\"precision\" : \"fp16\"", "\"onnxSha256\" : \"" + SHA + "\"", "\"max\" : 32", "\"buildSeconds\" : 183.4")) {
            assertTrue(json.contains(field), field + " in " + json);
        }
    }

    @Test
    void missingPlanOrSidecar() throws IOException {
        PlanCache cache = PlanCache.forBundle(bundle);
        PlanCache.Lookup none = cache.lookup(KEY, SHA, 8);
        assertEquals(PlanCache.Status.MISSING, none.status());
        assertEquals("missing: no plan nvidia-h200-sm90-trt10.15.1-fp16.plan yet", none.reason());
        Files.createDirectories(cache.enginesDir());
        Files.write(cache.planFile(KEY), new byte[10]);
        assertEquals("missing: plan nvidia-h200-sm90-trt10.15.1-fp16.plan has no sidecar nvidia-h200-sm90-trt10.15.1-fp16.json",
                cache.lookup(KEY, SHA, 8).reason());
        writePlan(cache, KEY, SHA, 8, 10);
        Files.delete(cache.planFile(KEY));
        PlanCache.Lookup noPlan = cache.lookup(KEY, SHA, 8);
        assertEquals(PlanCache.Status.STALE, noPlan.status());
        assertEquals(List.of("plan file nvidia-h200-sm90-trt10.15.1-fp16.plan is missing"), noPlan.reasons());
    }

    @Test
    void everyDifferenceInvalidatesWithItsReason() throws IOException {
        PlanCache cache = PlanCache.forBundle(bundle);
        writePlan(cache, KEY, SHA, 16, 100);
        PlanKey newTrt = new PlanKey("NVIDIA H200", "9.0", "10.16.0.5", TrtPrecision.FP16);
        PlanKey otherGpu = new PlanKey("NVIDIA A100-SXM4-80GB", "8.0", "10.15.1.29", TrtPrecision.FP16);
        // another GPU or TensorRT has another file name; read the same sidecar against those keys
        PlanSidecar s = cache.readSidecar(cache.sidecarFile(KEY));
        assertEquals(List.of("TensorRT version 10.15.1.29 != 10.16.0.5"), PlanCache.differences(s, newTrt, SHA, 16));
        assertEquals(List.of("GPU 'NVIDIA H200' != 'NVIDIA A100-SXM4-80GB'", "compute capability 9.0 != 8.0"),
                PlanCache.differences(s, otherGpu, SHA, 16));
        assertEquals(List.of("precision fp16 != fp32"), PlanCache.differences(s, PlanKey.of(H200, TrtPrecision.FP32), SHA, 16));

        PlanCache.Lookup otherModel = cache.lookup(KEY, "cd".repeat(32), 16);
        assertEquals(PlanCache.Status.STALE, otherModel.status());
        assertEquals("stale: ONNX sha256 abababababab… != cdcdcdcdcdcd…", otherModel.reason());
        assertEquals("stale: profile max batch 16 < requested 32", cache.lookup(KEY, SHA, 32).reason());

        Files.write(cache.planFile(KEY), new byte[99]); // torn or replaced plan
        assertEquals("stale: plan file has 99 bytes, sidecar says 100", cache.lookup(KEY, SHA, 16).reason());
    }

    @Test
    void anUnreadableSidecarIsStaleNotAnError() throws IOException {
        PlanCache cache = PlanCache.forBundle(bundle);
        writePlan(cache, KEY, SHA, 8, 10);
        Files.writeString(cache.sidecarFile(KEY), "{ \"format\": 1, \"plan\": ");
        PlanCache.Lookup l = cache.lookup(KEY, SHA, 8);
        assertEquals(PlanCache.Status.STALE, l.status());
        assertNull(l.sidecar());
        assertTrue(l.reason().startsWith("stale: sidecar nvidia-h200-sm90-trt10.15.1-fp16.json is unreadable: "), l.reason());
        Files.writeString(cache.sidecarFile(KEY), "{\"format\":1,\"profile\":{\"min\":1,\"opt\":64,\"max\":8}}");
        assertTrue(cache.lookup(KEY, SHA, 8).reason().contains("is unreadable"), "an impossible profile is refused");
    }

    @Test
    void invalidateRemovesPlanAndSidecarButKeepsTheTimingCache() throws IOException {
        PlanCache cache = PlanCache.forBundle(bundle);
        writePlan(cache, KEY, SHA, 8, 10);
        Files.write(cache.timingCacheFile(KEY), new byte[] {1, 2, 3});
        cache.invalidate(KEY);
        assertFalse(Files.exists(cache.planFile(KEY)));
        assertFalse(Files.exists(cache.sidecarFile(KEY)));
        assertTrue(Files.exists(cache.timingCacheFile(KEY)));
        assertEquals(PlanCache.Status.MISSING, cache.lookup(KEY, SHA, 8).status());
        try (var files = Files.list(cache.enginesDir())) {
            assertEquals(1, files.count(), "no temporary files left behind");
        }
    }

    @Test
    void keysNeedTensorRt() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> PlanKey.of(TrtAvailability.unavailable("no GPU", null), TrtPrecision.FP16));
        assertEquals("no plan key without TensorRT: no GPU", e.getMessage());
    }
}
