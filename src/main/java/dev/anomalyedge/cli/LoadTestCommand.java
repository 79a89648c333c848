package dev.anomalyedge.cli;

import dev.anomalyedge.synthetic.SyntheticParts;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import javax.imageio.ImageIO;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Holds a fixed request rate against a running appliance on this machine for a bounded time and reports throughput,
 * latency percentiles and refusals. Only loopback addresses are accepted.
 */
@Command(name = "load-test", mixinStandardHelpOptions = true,
        description = "Open-loop load test of POST /api/v1/inspections on a local appliance (loopback only, bounded).")
public class LoadTestCommand implements Runnable {
    @Option(names = "--url", defaultValue = "http://127.0.0.1:8080", description = "appliance base URL (loopback only) (default: ${DEFAULT-VALUE})")
    URI url;

    @Option(names = "--rate", defaultValue = "10", description = "requests per second (default: ${DEFAULT-VALUE})")
    double rate;

    @Option(names = "--seconds", defaultValue = "60", description = "how long to hold the rate, at most 600 (default: ${DEFAULT-VALUE})")
    int seconds;

    @Option(names = "--image", description = "image to send (default: a generated 256 px part)")
    Path image;

    @Override
    public void run() {
        try {
            if (!InetAddress.getByName(url.getHost()).isLoopbackAddress()) {
                throw new IllegalArgumentException(url.getHost() + " is not a loopback address; the load test only targets this machine");
            }
            if (seconds < 1 || seconds > 600 || rate <= 0 || rate > 1000) {
                throw new IllegalArgumentException("rate must be in (0, 1000] and seconds in 1..600");
            }
            Duration duration = Duration.ofSeconds(seconds);
            byte[] body = image != null ? Files.readAllBytes(image) : generated();
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
            URI target = url.resolve("/api/v1/inspections");
            List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
            Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
            AtomicInteger failures = new AtomicInteger();
            Map<String, Integer> failureKinds = new ConcurrentHashMap<>();
            AtomicLong sent = new AtomicLong();
            List<CompletableFuture<?>> inFlight = new ArrayList<>();
            long periodNanos = (long) (1e9 / rate);
            long start = System.nanoTime();
            long end = start + duration.toNanos();
            for (long next = start; next < end; next += periodNanos) {
                long wait = next - System.nanoTime();
                if (wait > 0) Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                long t0 = System.nanoTime();
                sent.incrementAndGet();
                HttpRequest req = HttpRequest.newBuilder(target).timeout(Duration.ofSeconds(60))
                        .header("Content-Type", "image/png").header("X-Part-Id", "load-" + sent.get())
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
                inFlight.add(client.sendAsync(req, HttpResponse.BodyHandlers.discarding()).handle((resp, err) -> {
                    if (err != null) {
                        failures.incrementAndGet();
                        Throwable c = err.getCause() != null ? err.getCause() : err;
                        failureKinds.merge(c.getClass().getSimpleName() + ": " + c.getMessage(), 1, Integer::sum);
                    } else {
                        statuses.computeIfAbsent(resp.statusCode(), k -> new AtomicInteger()).incrementAndGet();
                        if (resp.statusCode() == 200) latencies.add(System.nanoTime() - t0);
                    }
                    return null;
                }));
            }
            CompletableFuture.allOf(inFlight.toArray(CompletableFuture[]::new)).join();
            double seconds = (System.nanoTime() - start) / 1e9;
            List<Long> sorted = new ArrayList<>(latencies);
            Collections.sort(sorted);
            System.out.printf("target %s, offered %.1f req/s for %s%n", target, rate, duration);
            System.out.printf("sent %d, ok %d, throughput %.2f ok/s over %.1f s%n", sent.get(), sorted.size(), sorted.size() / seconds, seconds);
            System.out.printf("latency ms: p50 %.1f  p90 %.1f  p99 %.1f  max %.1f%n", pct(sorted, 50), pct(sorted, 90), pct(sorted, 99), pct(sorted, 100));
            System.out.printf("status counts %s, transport failures %d (503 = queue full, 504 = deadline)%n", statuses, failures.get());
            failureKinds.forEach((k, v) -> System.out.printf("  %d x %s%n", v, k));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    private static double pct(List<Long> sorted, int p) {
        if (sorted.isEmpty()) return Double.NaN;
        int i = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i))) / 1e6;
    }

    private static byte[] generated() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(SyntheticParts.generate(256, 99, SyntheticParts.Defect.SCRATCH).image(), "png", out);
        return out.toByteArray();
    }
}
