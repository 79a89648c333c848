package dev.anomalyedge.engine.trt;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Finds shared libraries by file name the way the dynamic linker would, without loading anything: in
 * {@code LD_LIBRARY_PATH}, the directories of {@code /etc/ld.so.conf} (with its includes), the system directories,
 * and the run paths that JavaCPP's CUDA and TensorRT JNI libraries carry (CUDA 13.1 and TensorRT 10.15.1.29 default
 * install locations). It only looks at files, so it is safe on any box: probing with it maps nothing into the process.
 */
public final class LibrarySearch {
    /** Directories the JNI libraries of the cuda/tensorrt presets name in their RUNPATH, plus the usual install places. */
    static final List<String> INSTALL_DIRS = List.of("/usr/local/cuda-13.1/targets/x86_64-linux/lib", "/usr/local/cuda/lib64",
            "/usr/local/cuda/targets/x86_64-linux/lib", "/usr/lib64", "/usr/local/TensorRT-10.15.1.29/lib", "/usr/local/tensorrt/lib");
    static final List<String> SYSTEM_DIRS = List.of("/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/lib", "/usr/lib",
            "/usr/local/lib");

    private final List<Path> dirs;

    public LibrarySearch(List<Path> dirs) {
        this.dirs = List.copyOf(dirs);
    }

    /** The search path of this process: LD_LIBRARY_PATH, ld.so.conf, system and install directories, in that order. */
    public static LibrarySearch standard() {
        return of(System.getenv("LD_LIBRARY_PATH"), Path.of("/etc/ld.so.conf"));
    }

    static LibrarySearch of(String ldLibraryPath, Path ldSoConf) {
        Set<Path> dirs = new LinkedHashSet<>();
        if (ldLibraryPath != null) {
            for (String d : ldLibraryPath.split(":")) if (!d.isBlank()) dirs.add(Path.of(d));
        }
        dirs.addAll(ldSoConfDirs(ldSoConf, 0));
        for (String d : SYSTEM_DIRS) dirs.add(Path.of(d));
        for (String d : INSTALL_DIRS) dirs.add(Path.of(d));
        return new LibrarySearch(new ArrayList<>(dirs));
    }

    public List<Path> dirs() {
        return dirs;
    }

    /** The first {@code dir/fileName} that exists, e.g. for "libnvinfer.so.10". */
    public Optional<Path> find(String fileName) {
        for (Path d : dirs) {
            Path f = d.resolve(fileName);
            if (Files.exists(f)) return Optional.of(f);
        }
        return Optional.empty();
    }

    /**
     * The names among {@code fileNames} that are neither in this search path nor bundled (e.g. in JavaCPP's -Pgpu
     * redist jars); empty when all are there.
     */
    public List<String> missing(List<String> fileNames, Function<String, Boolean> bundled) {
        List<String> out = new ArrayList<>();
        for (String f : fileNames) if (!bundled.apply(f) && find(f).isEmpty()) out.add(f);
        return out;
    }

    /** The directories searched, in order, joined with ':' (for messages that say where a library was looked for). */
    public String describe() {
        return String.join(":", dirs.stream().map(Path::toString).toList());
    }

    /** The directories listed in an ld.so.conf file, following "include" lines (with globs) up to a small depth. */
    static List<Path> ldSoConfDirs(Path conf, int depth) {
        List<Path> out = new ArrayList<>();
        if (depth > 4 || !Files.isRegularFile(conf)) return out;
        List<String> lines;
        try {
            lines = Files.readAllLines(conf);
        } catch (IOException e) {
            return out;
        }
        for (String raw : lines) {
            String line = raw.replaceAll("#.*", "").trim();
            if (line.isEmpty()) continue;
            if (line.startsWith("include ")) {
                String pattern = line.substring("include ".length()).trim();
                Path p = Path.of(pattern);
                Path dir = p.isAbsolute() ? p.getParent() : conf.resolveSibling(pattern).getParent();
                if (dir == null || !Files.isDirectory(dir)) continue;
                List<Path> included = new ArrayList<>();
                try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, p.getFileName().toString())) {
                    ds.forEach(included::add);
                } catch (IOException | RuntimeException e) {
                    continue;
                }
                included.sort(null);
                for (Path inc : included) out.addAll(ldSoConfDirs(inc, depth + 1));
            } else if (line.startsWith("/")) {
                out.add(Path.of(line));
            }
        }
        return out;
    }
}
