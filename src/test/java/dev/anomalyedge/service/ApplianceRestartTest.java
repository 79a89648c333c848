package dev.anomalyedge.service;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.anomalyedge.config.ApplianceConfig;
import dev.anomalyedge.testing.Golden;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The appliance starts and stops many times in one process while its background work (demo export, model load and
 * warm-up, demo prompt training with libtorch and ONNX Runtime) is interrupted at random points. Stopping must end
 * that work before the application closes what it uses: no native work may outlive the application (a native abort
 * would take the whole process down, which is what this test would then show).
 */
class ApplianceRestartTest {

    /** An appliance on {@code models} as Quarkus would inject it, with the ONNX Runtime backend on one thread. */
    static Appliance appliance(Path models, boolean demoTrained) {
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withMapping(ApplianceConfig.class)
                .withConverter(java.time.Duration.class, 100, new io.quarkus.runtime.configuration.DurationConverter()) // "10s" as Quarkus reads it
                .withSources(new PropertiesConfigSource(Map.of(
                        "appliance.models.dir", models.toString(),
                        "appliance.models.demo-trained", String.valueOf(demoTrained),
                        "appliance.engine.backend", "onnxruntime",
                        "appliance.engine.threads", "1"), "restart-test", 500))
                .build();
        Appliance a = new Appliance();
        a.config = config.getConfigMapping(ApplianceConfig.class);
        a.registry = new SimpleMeterRegistry();
        a.json = new ObjectMapper();
        return a;
    }

    @Test
    void twentyStartsAndStopsWithTheBackgroundWorkInterruptedAtRandomPoints() throws Exception {
        Random random = new Random(20261202L);
        for (int i = 0; i < 20; i++) {
            Path models = Golden.tempDir("restart-" + i + "-");
            Appliance a = appliance(models, true);
            a.start();
            if (i % 2 == 1) {
                // the demo training starts on the loader right after the untrained demo serves
                assertTrue(a.awaitFirstModel(120, TimeUnit.SECONDS), "round " + i + ": no model after 120 s: " + a.startupError());
            }
            // where to interrupt: somewhere in demo export, model load or warm-up (even rounds) or in the demo training
            // (odd rounds); the assertions below hold wherever that is
            Thread.sleep(random.nextInt(i % 2 == 0 ? 2500 : 4000));
            a.stop();
            assertFalse(a.loading(), "round " + i + ": the model loader outlived stop()");
            assertFalse(dev.anomalyedge.torch.TorchRuntime.leased(), "round " + i + ": libtorch still in use after stop()");
        }
        // and the appliance still works in this process afterwards
        Appliance a = appliance(Golden.tempDir("restart-final-"), false);
        a.start();
        try {
            assertTrue(a.awaitFirstModel(120, TimeUnit.SECONDS), "not ready after 120 s: " + a.startupError());
            assertTrue(a.ready());
        } finally {
            a.stop();
        }
    }
}
