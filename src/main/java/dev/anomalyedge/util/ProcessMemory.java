package dev.anomalyedge.util;

import java.nio.file.Files;
import java.nio.file.Path;

/** This process's peak resident set size, for the benchmarks' reports. */
public final class ProcessMemory {
    private ProcessMemory() {}

    /** VmHWM from /proc/self/status (Linux), e.g. "1843 MiB"; "unknown" where there is no such file or line. */
    public static String peakRss() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    long kb = Long.parseLong(line.replaceAll("[^0-9]", ""));
                    return (kb / 1024) + " MiB";
                }
            }
        } catch (Exception e) {
            return "unknown (" + e.getMessage() + ")";
        }
        return "unknown";
    }
}
