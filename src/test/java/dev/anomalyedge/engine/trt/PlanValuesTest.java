package dev.anomalyedge.engine.trt;

import dev.anomalyedge.engine.EngineException;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The small value types: GPU names, precisions, batch profiles, versions, the trtexec equivalent. */
class PlanValuesTest {
    @Test
    void gpuSlugsAndComputeCapability() {
        GpuDevice d = new GpuDevice(0, "NVIDIA GeForce RTX 4090", 8, 9, 24L << 30);
        assertEquals("nvidia-geforce-rtx-4090", d.slug());
        assertEquals("8.9", d.computeCapability());
        assertEquals("89", d.sm());
        assertEquals("NVIDIA GeForce RTX 4090 (sm89, 24576 MiB, device 0)", d.toString());
        assertEquals("gpu", GpuDevice.slug("  ***  "));
    }

    @Test
    void precisionsParseAndRefuseOthers() {
        assertEquals(TrtPrecision.FP16, TrtPrecision.parse("fp16"));
        assertEquals(TrtPrecision.FP32, TrtPrecision.parse(" FP32 "));
        var e = assertThrows(EngineException.class, () -> TrtPrecision.parse("int8"));
        assertEquals("precision must be fp16 or fp32, got 'int8'", e.getMessage());
    }

    @Test
    void batchProfilesAreOrdered() {
        assertEquals(new BatchProfile(1, 8, 32), BatchProfile.upTo(8, 32));
        assertEquals(new BatchProfile(1, 4, 4), BatchProfile.upTo(8, 4));
        assertEquals("batch 1..32 (opt 8)", BatchProfile.upTo(8, 32).toString());
        var e = assertThrows(EngineException.class, () -> new BatchProfile(1, 16, 8));
        assertEquals("batch profile needs 1 <= min <= opt <= max <= 1024, got min=1 opt=16 max=8", e.getMessage());
        assertThrows(EngineException.class, () -> new BatchProfile(0, 1, 1));
        assertThrows(EngineException.class, () -> BatchProfile.upTo(1, 0));
        assertThrows(EngineException.class, () -> BatchProfile.upTo(1, 2048));
    }

    @Test
    void tensorRtReleaseDropsTheBuildNumber() {
        TrtAvailability a = TrtAvailability.available(new GpuDevice(0, "NVIDIA L4", 8, 9, 23L << 30), "10.15.1.29");
        assertEquals("10.15.1", a.tensorrtRelease());
        assertEquals("TensorRT 10.15.1.29 on NVIDIA L4 (sm89, 23552 MiB, device 0)", a.reason());
    }

    @Test
    void trtexecEquivalent() {
        assertEquals("trtexec --onnx=b/visual.onnx --fp16 --precisionConstraints=prefer --minShapes=image:1x3x336x336"
                        + " --optShapes=image:8x3x336x336 --maxShapes=image:32x3x336x336 --memPoolSize=workspace:4096M"
                        + " --timingCacheFile=b/engines/x.timing-cache --saveEngine=b/engines/x-fp16.plan",
                TrtPlanBuilder.trtexecEquivalent(Path.of("b/visual.onnx"), Path.of("b/engines/x-fp16.plan"), Path.of("b/engines/x.timing-cache"),
                        TrtPrecision.FP16, "image", 336, BatchProfile.upTo(8, 32), 4L << 30));
    }
}
