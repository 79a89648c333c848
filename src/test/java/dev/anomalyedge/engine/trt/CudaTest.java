package dev.anomalyedge.engine.trt;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class CudaTest {
    @Test
    void aFailedCallIsNamedWithItsCudaError() {
        assertEquals("CUDA cudaMalloc(input 'image', 1.5 MiB) failed: cudaErrorMemoryAllocation (2): out of memory",
                Cuda.message("cudaMalloc(input 'image', 1.5 MiB)", 2, "cudaErrorMemoryAllocation", "out of memory"));
        assertEquals("CUDA cudaStreamCreate failed: error (999)", Cuda.message("cudaStreamCreate", 999, null, " "));
    }

    @Test
    void bytesAreReadable() {
        assertEquals("512 B", Cuda.bytes(512));
        assertEquals("1.5 KiB", Cuda.bytes(1536));
        assertEquals("1.5 MiB", Cuda.bytes(3L << 19));
        assertEquals("2.00 GiB", Cuda.bytes(2L << 30));
    }
}
