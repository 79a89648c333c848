package dev.anomalyedge.service;

import dev.anomalyedge.config.ApplianceConfig;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@code appliance.hotfolder.*} as the hot folder adapter receives it: the documented defaults, and set values. */
class HotFolderSettingsTest {

    static HotFolderSettings settings(Map<String, String> values) {
        return HotFolderSettings.of(new SmallRyeConfigBuilder()
                .withMapping(ApplianceConfig.class)
                .withConverter(Duration.class, 100, new DurationConverter())
                .withSources(new PropertiesConfigSource(values, "test", 500))
                .build()
                .getConfigMapping(ApplianceConfig.class));
    }

    @Test
    void defaultsAreTheDocumentedOnes() {
        assertEquals(new HotFolderSettings(false, Optional.empty(), Duration.ofSeconds(1), Duration.ofMillis(500), 33_554_432),
                settings(Map.of()));
    }

    @Test
    void setValuesAreTaken() {
        assertEquals(new HotFolderSettings(true, Optional.of(Path.of("/data/in")), Duration.ofMillis(200), Duration.ofSeconds(2), 1000),
                settings(Map.of("appliance.hotfolder.enabled", "true", "appliance.hotfolder.dir", "/data/in",
                        "appliance.hotfolder.poll-interval", "200ms", "appliance.hotfolder.stable-for", "2s",
                        "appliance.limits.max-upload-bytes", "1000")));
        assertEquals(Optional.empty(), settings(Map.of("appliance.hotfolder.dir", " ")).dir(), "blank is not set");
    }
}
