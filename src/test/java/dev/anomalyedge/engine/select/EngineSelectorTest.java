package dev.anomalyedge.engine.select;

import dev.anomalyedge.engine.AnomalyEngine;
import dev.anomalyedge.engine.BankSearch;
import dev.anomalyedge.engine.EngineException;
import dev.anomalyedge.engine.trt.GpuDevice;
import dev.anomalyedge.engine.trt.ModelDigest;
import dev.anomalyedge.engine.trt.PlanCache;
import dev.anomalyedge.engine.trt.PlanKey;
import dev.anomalyedge.engine.trt.PlanSidecar;
import dev.anomalyedge.engine.trt.TrtAvailability;
import dev.anomalyedge.engine.trt.TrtPlanBuilder;
import dev.anomalyedge.engine.trt.TrtPrecision;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Selection logic with a fake probe and fake backends: no natives needed. */
class EngineSelectorTest {
    static final TrtAvailability GPU = TrtAvailability.available(new GpuDevice(0, "NVIDIA H200", 9, 0, 143L << 30), "10.15.1.29");
    static final TrtAvailability NO_GPU = TrtAvailability.unavailable(
            "cannot load the CUDA runtime natives: java.lang.UnsatisfiedLinkError: libcuda.so.1: cannot open shared object file", null);

    @TempDir
    Path bundle;

    final List<String> fallbacks = new ArrayList<>();
    final AtomicInteger probes = new AtomicInteger();
    FakeBackends backends;

    /** An engine that only knows its backend name. */
    record StubEngine(String backend, Path from) implements AnomalyEngine {
        @Override public int imageSize() { return 4; }
        @Override public ScoreBatch score(float[] images, int batch) { return new ScoreBatch(batch, 4, new float[batch], new float[batch * 16]); }
        @Override public FeatureBatch features(float[] images, int batch) { throw new UnsupportedOperationException(); }
        @Override public void close() { }
    }

    /** Records what selection asked for; builds write a real plan + sidecar through PlanCache. */
    final class FakeBackends implements Backends {
        final TrtAvailability trt;
        final List<String> calls = new ArrayList<>();
        RuntimeException buildFailure, openFailure, headFailure;
        BankSearch head;

        FakeBackends(TrtAvailability trt) {
            this.trt = trt;
        }

        @Override
        public AnomalyEngine openOnnxRuntime(Path model) {
            calls.add("ort " + bundle.relativize(model));
            return new StubEngine("onnxruntime-cpu", model);
        }

        @Override
        public AnomalyEngine openTensorRt(Path plan, EngineSettings s) {
            calls.add("trt " + bundle.relativize(plan) + " max " + s.maxBatch());
            if (openFailure != null) {
                RuntimeException e = openFailure;
                openFailure = null; // a rebuilt plan opens
                throw e;
            }
            return new StubEngine("tensorrt-gpu", plan);
        }

        @Override
        public TrtPlanBuilder.Result buildPlan(Path bundleDir, EngineSettings s) {
            calls.add("build " + s.precision().id() + " " + s.profile());
            if (buildFailure != null) throw buildFailure;
            PlanKey key = PlanKey.of(trt, s.precision());
            PlanCache cache = PlanCache.forBundle(bundleDir);
            try {
                Files.createDirectories(cache.enginesDir());
                Files.write(cache.planFile(key), new byte[64]);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            PlanSidecar sc = new PlanSidecar(PlanSidecar.FORMAT, cache.planFile(key).getFileName().toString(), 64, key.tensorrtVersion(),
                    key.gpuName(), key.computeCapability(), key.precision().id(), digest(Backends.model(bundleDir)), s.profile(),
                    s.workspaceBytes(), 12, 95.25, "2026-01-01T00:00:00Z");
            return new TrtPlanBuilder.Result(key, cache.planFile(key), cache.writeSidecar(key, sc), sc);
        }

        @Override
        public BankSearch openFewShotHead(Path bundleDir, TrtAvailability t) {
            if (headFailure != null) throw headFailure;
            return head;
        }

        @Override
        public String digest(Path model) {
            return ModelDigest.sha256(model);
        }
    }

    /** A device bank search that only says it exists. */
    record StubHead(boolean[] closed) implements BankSearch {
        @Override public String backend() { return "tensorrt-gpu"; }
        @Override public boolean fits(dev.anomalyedge.fewshot.MemoryBank bank) { return true; }
        @Override public AnomalyEngine.ScoreBatch search(AnomalyEngine.FeatureBatch f, dev.anomalyedge.fewshot.MemoryBank bank) {
            throw new UnsupportedOperationException();
        }
        @Override public void close() { closed[0] = true; }
    }

    @Test
    void aBuiltFewShotHeadComesWithTheTensorRtEngineAndClosesWithIt() {
        EngineSelector s = selector(GPU);
        boolean[] closed = {false};
        backends.head = new StubHead(closed);
        SelectedEngine e = s.select(bundle, EngineSettings.defaults());
        assertEquals(backends.head, e.deviceSearch());
        assertTrue(e.reason().endsWith("; few-shot bank search on the GPU"), e.reason());
        e.close();
        assertTrue(closed[0], "closing the selection closes the head it was not handed on");

        backends.head = null;
        backends.headFailure = new EngineException("IRuntime.deserializeCudaEngine(head.plan) failed");
        SelectedEngine without = s.select(bundle, EngineSettings.defaults());
        assertEquals(null, without.deviceSearch());
        assertEquals("tensorrt-fp16", without.backend(), "a head that does not open costs the GPU search, not the engine");
        assertTrue(without.reason().endsWith("; few-shot bank search on the host"), without.reason());
        assertFalse(backends.calls.stream().anyMatch(c -> c.startsWith("ort")), backends.calls.toString());
    }

    @BeforeEach
    void model() throws IOException {
        Files.writeString(bundle.resolve("visual.onnx"), "model v1");
    }

    EngineSelector selector(TrtAvailability trt) {
        backends = new FakeBackends(trt);
        return new EngineSelector(() -> {
            probes.incrementAndGet();
            return trt;
        }, backends, fallbacks::add);
    }

    @Test
    void onnxRuntimeModeDoesNotProbe() {
        SelectedEngine e = selector(GPU).select(bundle, EngineSettings.defaults().withMode(EngineMode.ONNXRUNTIME));
        assertEquals("onnxruntime-cpu", e.backend());
        assertEquals("engine = onnxruntime (configured)", e.reason());
        assertEquals(0, probes.get());
        assertEquals(List.of("ort visual.onnx"), backends.calls);
    }

    @Test
    void autoWithoutTensorRtUsesOnnxRuntimeAndSaysWhy() {
        EngineSelector s = selector(NO_GPU);
        SelectedEngine e = s.select(bundle, EngineSettings.defaults());
        assertEquals("onnxruntime-cpu", e.backend());
        assertEquals("engine = auto and TensorRT is not available (" + NO_GPU.reason() + ")", e.reason());
        assertEquals(Map.of("engine.backend", "onnxruntime-cpu", "engine.reason", e.reason()), e.healthDetails());
        assertEquals("inference on onnxruntime-cpu: " + e.reason(), e.statusMessage());
        assertEquals(0, s.fallbacks(), "no GPU is the normal CPU box, not a fallback");
        assertTrue(fallbacks.isEmpty());
    }

    @Test
    void tensorRtModeWithoutTensorRtFails() {
        var ex = assertThrows(EngineException.class, () -> selector(NO_GPU).select(bundle, EngineSettings.defaults().withMode(EngineMode.TENSORRT)));
        assertEquals("engine = tensorrt, but TensorRT is not available: " + NO_GPU.reason(), ex.getMessage());
    }

    @Test
    void autoBuildsAMissingPlanThenReusesItAcrossRestarts() {
        EngineSettings settings = EngineSettings.defaults();
        SelectedEngine first = selector(GPU).select(bundle, settings);
        assertEquals("tensorrt-fp16", first.backend());
        assertEquals(List.of("build fp16 batch 1..32 (opt 8)", "trt engines/nvidia-h200-sm90-trt10.15.1-fp16.plan max 32"), backends.calls);
        assertEquals("TensorRT 10.15.1.29 on NVIDIA H200, plan nvidia-h200-sm90-trt10.15.1-fp16.plan built in 95.3 s (batch 1..32 (opt 8)) "
                + "because missing: no plan nvidia-h200-sm90-trt10.15.1-fp16.plan yet; few-shot bank search on the host", first.reason());

        SelectedEngine again = selector(GPU).select(bundle, settings); // a new process: new selector, same bundle
        assertEquals("tensorrt-fp16", again.backend());
        assertEquals(List.of("trt engines/nvidia-h200-sm90-trt10.15.1-fp16.plan max 32"), backends.calls, "no second build");
        assertTrue(again.reason().contains("cached plan nvidia-h200-sm90-trt10.15.1-fp16.plan (built 2026-01-01T00:00:00Z in 95.25 s"),
                again.reason());
        assertTrue(fallbacks.isEmpty());
    }

    @Test
    void aStalePlanIsRebuilt() throws IOException {
        selector(GPU).select(bundle, EngineSettings.defaults());
        String v1 = ModelDigest.sha256(bundle.resolve("visual.onnx"));
        Files.writeString(bundle.resolve("visual.onnx"), "model v2"); // new weights
        String v2 = ModelDigest.sha256(bundle.resolve("visual.onnx"));
        SelectedEngine e = selector(GPU).select(bundle, EngineSettings.defaults());
        assertEquals("tensorrt-fp16", e.backend());
        assertEquals("build fp16 batch 1..32 (opt 8)", backends.calls.get(0));
        assertTrue(e.reason().endsWith("because stale: ONNX sha256 " + v1.substring(0, 12) + "… != " + v2.substring(0, 12) + "…"
                + "; few-shot bank search on the host"), e.reason());

        SelectedEngine bigger = selector(GPU).select(bundle, EngineSettings.defaults().withMaxBatch(64));
        assertTrue(bigger.reason().endsWith("because stale: profile max batch 32 < requested 64; few-shot bank search on the host"), bigger.reason());
        SelectedEngine fp32 = selector(GPU).select(bundle, EngineSettings.defaults().withPrecision(TrtPrecision.FP32));
        assertEquals("tensorrt-fp32", fp32.backend());
        assertEquals("build fp32 batch 1..32 (opt 8)", backends.calls.get(0), "fp32 has its own plan");
    }

    @Test
    void withBuildingDisabledAutoFallsBackWithReasonAndMetric() {
        EngineSelector s = selector(GPU);
        SelectedEngine e = s.select(bundle, EngineSettings.defaults().withBuildIfMissing(false));
        assertEquals("onnxruntime-cpu", e.backend());
        String expected = "engine = auto, TensorRT 10.15.1.29 on NVIDIA H200 is available but not used: TensorRT plan "
                + "nvidia-h200-sm90-trt10.15.1-fp16 missing: no plan nvidia-h200-sm90-trt10.15.1-fp16.plan yet, and building is disabled "
                + "(build-if-missing = false); falling back to ONNX Runtime";
        assertEquals(expected, e.reason());
        assertEquals(1, s.fallbacks());
        assertEquals(List.of(expected), fallbacks);
        assertEquals(expected, e.healthDetails().get("engine.reason"));
        assertEquals(List.of("ort visual.onnx"), backends.calls);
    }

    @Test
    void tensorRtModeNeverFallsBack() {
        var ex = assertThrows(EngineException.class, () -> selector(GPU).select(bundle,
                EngineSettings.defaults().withMode(EngineMode.TENSORRT).withBuildIfMissing(false)));
        assertTrue(ex.getMessage().endsWith("and building is disabled (build-if-missing = false)"), ex.getMessage());
        EngineSelector s = selector(GPU);
        backends.buildFailure = new EngineException("TensorRT cannot parse visual.onnx: ONNX parser error 1/1: ...");
        var failed = assertThrows(EngineException.class, () -> s.select(bundle, EngineSettings.defaults().withMode(EngineMode.TENSORRT)));
        assertEquals("TensorRT cannot parse visual.onnx: ONNX parser error 1/1: ...", failed.getMessage());
        assertEquals(0, s.fallbacks());
    }

    @Test
    void aFailedBuildInAutoFallsBack() {
        EngineSelector s = selector(GPU);
        backends.buildFailure = new EngineException("IBuilder.buildSerializedNetwork failed (returned NULL): TensorRT said: out of memory");
        SelectedEngine e = s.select(bundle, EngineSettings.defaults());
        assertEquals("onnxruntime-cpu", e.backend());
        assertTrue(e.reason().contains("is available but not used: IBuilder.buildSerializedNetwork failed (returned NULL): TensorRT said: out of memory;"),
                e.reason());
        assertEquals(1, s.fallbacks());
        assertEquals(1, fallbacks.size());
    }

    @Test
    void aCachedPlanThatCannotBeDeserialisedIsRebuilt() {
        selector(GPU).select(bundle, EngineSettings.defaults());
        EngineSelector s = selector(GPU);
        backends.openFailure = new EngineException("IRuntime.deserializeCudaEngine(x.plan) failed (returned NULL)");
        SelectedEngine e = s.select(bundle, EngineSettings.defaults());
        assertEquals("tensorrt-fp16", e.backend());
        assertEquals(List.of("trt engines/nvidia-h200-sm90-trt10.15.1-fp16.plan max 32", "build fp16 batch 1..32 (opt 8)",
                "trt engines/nvidia-h200-sm90-trt10.15.1-fp16.plan max 32"), backends.calls);
        assertTrue(e.reason().endsWith("because the cached plan nvidia-h200-sm90-trt10.15.1-fp16.plan cannot be opened "
                + "(IRuntime.deserializeCudaEngine(x.plan) failed (returned NULL)); few-shot bank search on the host"), e.reason());
        assertEquals(0, s.fallbacks());
    }

    @Test
    void aBundleWithoutModelIsAnError() throws IOException {
        Files.delete(bundle.resolve("visual.onnx"));
        var ex = assertThrows(EngineException.class, () -> selector(GPU).select(bundle, EngineSettings.defaults()));
        assertEquals(bundle.resolve("visual.onnx") + ": bundle has no ONNX model", ex.getMessage());
    }

    @Test
    void settingsAndModesValidate() {
        assertEquals(EngineMode.AUTO, EngineMode.parse("auto"));
        assertEquals(EngineMode.TENSORRT, EngineMode.parse("TensorRT"));
        assertEquals(EngineMode.ONNXRUNTIME, EngineMode.parse(" onnxruntime "));
        var bad = assertThrows(EngineException.class, () -> EngineMode.parse("cuda"));
        assertEquals("engine must be one of auto, tensorrt, onnxruntime; got 'cuda'", bad.getMessage());
        EngineSettings d = EngineSettings.defaults();
        assertEquals(EngineMode.AUTO, d.mode());
        assertTrue(d.buildIfMissing());
        assertEquals(TrtPrecision.FP16, d.precision());
        assertEquals(4, d.withMaxBatch(4).optBatch(), "opt is clamped to max");
        assertThrows(EngineException.class, () -> d.withOptBatch(33));
        assertThrows(EngineException.class, () -> d.withMaxBatch(0));
        assertThrows(EngineException.class, () -> d.withWorkspaceBytes(10));
        assertThrows(EngineException.class, () -> d.withTrtWorkers(0));
        assertFalse(d.withBuildIfMissing(false).buildIfMissing());
    }
}
