package dev.anomalyedge.engine.trt;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * TensorRT's builder resource libraries. {@code createInferBuilder} makes libnvinfer open
 * {@code libnvinfer_builder_resource_sm<cc>.so.<release>} for the GPU's architecture (TensorRT 10 ships one per
 * architecture, e.g. {@code _sm90} for an H100/H200) and {@code libnvinfer_builder_resource_ptx.so.<release>} as the
 * fallback for architectures without one. It opens them by name, so the dynamic linker looks next to libnvinfer
 * (its run path is {@code $ORIGIN}), in {@code LD_LIBRARY_PATH}, the ld.so.conf directories and the system ones.
 * The -Pgpu jar carries only the PTX resource, which JavaCPP extracts next to libnvinfer; a host install
 * (NVIDIA's deb/rpm/tar packages of TensorRT 10.15.1) carries the per-architecture ones.
 *
 * <p>Whether a build works from the PTX resource alone can only be seen on a GPU: this class says before the build
 * which files are there, and a failed {@code createInferBuilder} names the missing one.
 */
final class BuilderResources {
    /**
     * @param architecture the file for this GPU, e.g. libnvinfer_builder_resource_sm90.so.10.15.1
     * @param architectureAt where it is, if anywhere
     * @param ptx          the PTX fallback file name
     * @param ptxAt        where it is, if anywhere
     * @param searched     the directories looked in, in order
     */
    record Status(String architecture, Optional<Path> architectureAt, String ptx, Optional<Path> ptxAt, List<Path> searched) {
        /** One line for the build log. */
        String describe() {
            if (architectureAt.isPresent()) return "builder resource " + architecture + " at " + architectureAt.get();
            return "builder resource " + architecture + " not found (searched " + join(searched) + "); "
                    + (ptxAt.isPresent() ? "TensorRT may fall back to " + ptx + " at " + ptxAt.get() + " (kernels compiled from PTX)"
                    : "and no " + ptx + " either");
        }

        /** Appended to a failed createInferBuilder: what to install, or "" when the architecture's file is there. */
        String ifBuilderFails() {
            if (architectureAt.isPresent()) return "";
            return " - " + architecture + " was not found (searched " + join(searched) + ")" + (ptxAt.isPresent() ? ", only " + ptxAt.get() : "")
                    + ": install TensorRT " + release(architecture) + "'s builder resources (NVIDIA's libnvinfer10 package or tar archive) "
                    + "and put their directory on LD_LIBRARY_PATH or in /etc/ld.so.conf.d";
        }
    }

    private BuilderResources() {}

    /** "libnvinfer_builder_resource_sm90.so.10.15.1" for a GPU of compute capability 9.0 and TensorRT 10.15.1. */
    static String architectureFile(GpuDevice device, String release) {
        return "libnvinfer_builder_resource_sm" + device.sm() + ".so." + release;
    }

    static String ptxFile(String release) {
        return "libnvinfer_builder_resource_ptx.so." + release;
    }

    /** Looks next to the loaded libnvinfer (if it is mapped) and then along {@code search}. */
    static Status locate(GpuDevice device, String release, LibrarySearch search, Optional<Path> nvinferDir) {
        List<Path> dirs = new ArrayList<>();
        nvinferDir.ifPresent(dirs::add);
        for (Path d : search.dirs()) if (!dirs.contains(d)) dirs.add(d);
        String arch = architectureFile(device, release), ptx = ptxFile(release);
        return new Status(arch, find(dirs, arch), ptx, find(dirs, ptx), dirs);
    }

    /** For the probed TensorRT and GPU of this process. */
    static Status locate(TrtAvailability trt) {
        return locate(trt.device(), trt.tensorrtRelease(), LibrarySearch.standard(), mappedDir("libnvinfer.so.10", Path.of("/proc/self/maps")));
    }

    /** The directory of a mapped library file named {@code fileName}, read from a /proc/PID/maps file. */
    static Optional<Path> mappedDir(String fileName, Path maps) {
        try {
            for (String line : Files.readAllLines(maps)) {
                int slash = line.indexOf('/');
                if (slash < 0) continue;
                Path p = Path.of(line.substring(slash).trim());
                if (p.getFileName() != null && p.getFileName().toString().equals(fileName)) return Optional.ofNullable(p.getParent());
            }
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    private static Optional<Path> find(List<Path> dirs, String file) {
        for (Path d : dirs) {
            Path f = d.resolve(file);
            if (Files.exists(f)) return Optional.of(f);
        }
        return Optional.empty();
    }

    private static String join(List<Path> dirs) {
        return String.join(":", dirs.stream().map(Path::toString).toList());
    }

    private static String release(String file) {
        return file.substring(file.indexOf(".so.") + 4);
    }
}
