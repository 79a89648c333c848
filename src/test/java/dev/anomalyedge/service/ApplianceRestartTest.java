package dev.anomalyedge.service;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.anomalyedge.config.ApplianceConfig;
import dev.anomalyedge.testing.Golden;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The appliance starts and stops many times in one process while its background work (demo export, model load and
 * warm-up, demo prompt training with libtorch and ONNX Runtime) is interrupted at random points. Stopping must end
 * that work before the application closes what it uses: no native work may outlive the application (a native abort
 * would take the whole process down, which is what this test would then show).
 */
class ApplianceRestartTest {

    static ApplianceRuntime runtime(Path models) {
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withMapping(ApplianceConfig.class)
                .withConverter(java.time.Duration.class, 100, new io.quarkus.runtime.configuration.DurationConverter()) // "10s" as Quarkus reads it
                .withSources(new PropertiesConfigSource(Map.of(
                        "appliance.models.dir", models.toString(),
                        "appliance.models.demo-trained", "true",
                        "appliance.engine.backend", "onnxruntime",
                        "appliance.engine.threads", "1"), "restart-test", 500))
                .build();
        ApplianceRuntime rt = new ApplianceRuntime();
        rt.config = config.getConfigMapping(ApplianceConfig.class);
        rt.registry = new SimpleMeterRegistry();
        rt.json = new ObjectMapper();
        return rt;
    }

    /** Polls (bounded) until {@code dir} exists or the loader ended. */
    private static void awaitDemoTraining(ApplianceRuntime rt, Path dir) throws InterruptedException {
        long until = System.nanoTime() + 120_000_000_000L;
        while (!Files.isDirectory(dir) && rt.loading()) {
            if (System.nanoTime() > until) throw new AssertionError("the demo training did not start within 120 s");
            Thread.sleep(20);
        }
    }

    @Test
    void twentyStartsAndStopsWithTheBackgroundWorkInterruptedAtRandomPoints() throws Exception {
        Random random = new Random(20261202L);
        for (int i = 0; i < 20; i++) {
            Path models = Golden.tempDir("restart-" + i + "-");
            ApplianceRuntime rt = runtime(models);
            rt.start();
            if (i % 2 == 0) {
                Thread.sleep(random.nextInt(2500));          // somewhere in demo export, model load or warm-up
            } else {
                awaitDemoTraining(rt, models.resolve(".demo-training"));
                Thread.sleep(random.nextInt(4000));          // somewhere in the demo training
            }
            rt.stop();
            assertFalse(rt.loading(), "round " + i + ": the model loader outlived stop()");
            assertFalse(dev.anomalyedge.torch.TorchRuntime.leased(), "round " + i + ": libtorch still in use after stop()");
        }
        // and the appliance still works in this process afterwards
        Path models = Golden.tempDir("restart-final-");
        ApplianceRuntime rt = runtime(models);
        rt.start();
        try {
            long until = System.nanoTime() + 120_000_000_000L;
            while (!rt.ready()) {
                if (System.nanoTime() > until) throw new AssertionError("not ready after 120 s: " + rt.startupError());
                Thread.sleep(20);
            }
            assertTrue(rt.ready());
        } finally {
            rt.stop();
        }
    }
}
