package dev.anomalyedge.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Summary of an ONNX Runtime session profile (its chrome-trace JSON): kernel time per operator type and the slowest
 * nodes, averaged over the profiled runs after the first {@code skipRuns} (warm-up) ones. Kernel times are wall times of
 * each node (its intra-op threads run inside it), so their sum is close to the run's wall time.
 */
record OrtProfile(int runs, double runMs, List<Entry> opTypes, List<Entry> nodes) {

    /** Mean kernel milliseconds per run of an operator type or a node, and how many kernels that covers per run. */
    record Entry(String name, String opType, double ms, double count) {}

    static OrtProfile read(Path trace, int skipRuns) throws IOException {
        JsonNode events = new ObjectMapper().readTree(trace.toFile());
        if (events.has("traceEvents")) events = events.get("traceEvents");
        List<long[]> runs = new ArrayList<>(); // [start, end] µs of each model_run
        for (JsonNode e : events) {
            if ("Session".equals(e.path("cat").asText()) && "model_run".equals(e.path("name").asText())) {
                long ts = e.path("ts").asLong();
                runs.add(new long[] {ts, ts + e.path("dur").asLong()});
            }
        }
        runs.sort(Comparator.comparingLong(r -> r[0]));
        if (runs.size() <= skipRuns) throw new IOException(trace + ": " + runs.size() + " runs profiled, none after the first " + skipRuns);
        long from = runs.get(skipRuns)[0];
        int n = runs.size() - skipRuns;
        double runUs = 0;
        for (long[] r : runs.subList(skipRuns, runs.size())) runUs += r[1] - r[0];
        Map<String, double[]> byType = new HashMap<>(), byNode = new HashMap<>();
        Map<String, String> typeOf = new HashMap<>();
        for (JsonNode e : events) {
            if (!"Node".equals(e.path("cat").asText()) || e.path("ts").asLong() < from) continue;
            String name = e.path("name").asText();
            if (!name.endsWith("_kernel_time")) continue;
            String node = name.substring(0, name.length() - "_kernel_time".length());
            String op = e.path("args").path("op_name").asText("?");
            double dur = e.path("dur").asDouble();
            add(byType, op, dur);
            add(byNode, node, dur);
            typeOf.put(node, op);
        }
        return new OrtProfile(n, runUs / n / 1e3, entries(byType, null, n), entries(byNode, typeOf, n));
    }

    private static void add(Map<String, double[]> m, String key, double us) {
        double[] a = m.computeIfAbsent(key, k -> new double[2]);
        a[0] += us;
        a[1]++;
    }

    private static List<Entry> entries(Map<String, double[]> m, Map<String, String> typeOf, int runs) {
        List<Entry> out = new ArrayList<>();
        m.forEach((k, a) -> out.add(new Entry(k, typeOf == null ? k : typeOf.get(k), a[0] / runs / 1e3, a[1] / runs)));
        out.sort(Comparator.comparingDouble(Entry::ms).reversed());
        return out;
    }

    double kernelMs() {
        return opTypes.stream().mapToDouble(Entry::ms).sum();
    }

    void print(PrintStream out, int topNodes) {
        double total = kernelMs();
        out.printf(Locale.ROOT, "profile: %d runs, %.1f ms/run, of which kernels %.1f ms%n", runs, runMs, total);
        out.println("op type                          |    ms/run |      % | kernels/run");
        for (Entry e : opTypes) {
            out.printf(Locale.ROOT, "%-32s | %9.1f | %5.1f%% | %11.0f%n", e.name(), e.ms(), 100 * e.ms() / total, e.count());
        }
        out.println("slowest nodes                                              | op type                    |    ms/run");
        for (Entry e : nodes.subList(0, Math.min(topNodes, nodes.size()))) {
            out.printf(Locale.ROOT, "%-58s | %-26s | %9.1f%n", e.name(), e.opType(), e.ms());
        }
    }
}
