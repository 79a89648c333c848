package dev.anomalyedge.engine.trt;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BuilderResourcesTest {
    @TempDir
    Path dir;

    static final GpuDevice H200 = new GpuDevice(0, "NVIDIA H200", 9, 0, 140L << 30);

    @Test
    void fileNamesFollowTheArchitectureAndRelease() {
        assertEquals("libnvinfer_builder_resource_sm90.so.10.15.1", BuilderResources.architectureFile(H200, "10.15.1"));
        assertEquals("libnvinfer_builder_resource_sm120.so.10.15.1", BuilderResources.architectureFile(new GpuDevice(0, "RTX", 12, 0, 1), "10.15.1"));
        assertEquals("libnvinfer_builder_resource_ptx.so.10.15.1", BuilderResources.ptxFile("10.15.1"));
    }

    @Test
    void theDirectoryOfTheLoadedLibnvinferIsSearchedFirst() throws IOException {
        Path cache = Files.createDirectories(dir.resolve("javacpp/tensorrt"));
        Path host = Files.createDirectories(dir.resolve("host"));
        Files.write(cache.resolve("libnvinfer_builder_resource_ptx.so.10.15.1"), new byte[0]);
        BuilderResources.Status s = BuilderResources.locate(H200, "10.15.1", new LibrarySearch(List.of(host)), Optional.of(cache));
        assertEquals(Optional.empty(), s.architectureAt());
        assertEquals(Optional.of(cache.resolve("libnvinfer_builder_resource_ptx.so.10.15.1")), s.ptxAt());
        assertEquals("builder resource libnvinfer_builder_resource_sm90.so.10.15.1 not found (searched " + cache + ":" + host + "); TensorRT may "
                + "fall back to libnvinfer_builder_resource_ptx.so.10.15.1 at " + cache.resolve("libnvinfer_builder_resource_ptx.so.10.15.1")
                + " (kernels compiled from PTX)", s.describe());
        assertTrue(s.ifBuilderFails().startsWith(" - libnvinfer_builder_resource_sm90.so.10.15.1 was not found (searched " + cache + ":" + host
                + "), only " + cache.resolve("libnvinfer_builder_resource_ptx.so.10.15.1") + ": install TensorRT 10.15.1's builder resources"),
                s.ifBuilderFails());

        Files.write(host.resolve("libnvinfer_builder_resource_sm90.so.10.15.1"), new byte[0]);
        BuilderResources.Status found = BuilderResources.locate(H200, "10.15.1", new LibrarySearch(List.of(host)), Optional.of(cache));
        assertEquals("builder resource libnvinfer_builder_resource_sm90.so.10.15.1 at " + host.resolve("libnvinfer_builder_resource_sm90.so.10.15.1"),
                found.describe());
        assertEquals("", found.ifBuilderFails());
    }

    @Test
    void theLoadedLibraryIsFoundInProcMaps() throws IOException {
        Path maps = Files.writeString(dir.resolve("maps"), String.join("\n",
                "7f0000000000-7f0000001000 r--p 00000000 fd:00 1 /usr/lib/x86_64-linux-gnu/libc.so.6",
                "7f0000002000-7f0000003000 r-xp 00001000 fd:00 2 /root/.javacpp/cache/tensorrt-redist.jar/org/bytedeco/tensorrt/linux-x86_64/libnvinfer.so.10",
                "7f0000004000-7f0000005000 rw-p 00000000 00:00 0 [heap]", ""));
        assertEquals(Optional.of(Path.of("/root/.javacpp/cache/tensorrt-redist.jar/org/bytedeco/tensorrt/linux-x86_64")),
                BuilderResources.mappedDir("libnvinfer.so.10", maps));
        assertEquals(Optional.empty(), BuilderResources.mappedDir("libnvonnxparser.so.10", maps));
        assertEquals(Optional.empty(), BuilderResources.mappedDir("libnvinfer.so.10", dir.resolve("absent")));
    }
}
