package dev.anomalyedge.service;

import dev.anomalyedge.config.ApplianceConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * The hot folder's settings ({@code appliance.hotfolder.*}, and the upload limit its files share with REST) as the hot
 * folder adapter reads them: adapters other than {@code api} do not read the configuration mapping.
 *
 * @param enabled      whether the hot folder runs
 * @param dir          the watched folder (empty: not set)
 * @param pollInterval the safety-net scan interval
 * @param stableFor    how long size and modification time must stay unchanged before a file is taken
 * @param maxBytes     a larger file is an ERROR result ({@code too_large}) without being read
 */
public record HotFolderSettings(boolean enabled, Optional<Path> dir, Duration pollInterval, Duration stableFor, long maxBytes) {

    /** The settings of {@code config}. */
    public static HotFolderSettings of(ApplianceConfig config) {
        ApplianceConfig.HotFolder h = config.hotfolder();
        return new HotFolderSettings(h.enabled(), h.dir().filter(d -> !d.isBlank()).map(Path::of), h.pollInterval(),
                h.stableFor(), config.limits().maxUploadBytes());
    }

    /** Makes the settings injectable. */
    @ApplicationScoped
    public static class Producer {
        @jakarta.inject.Inject
        ApplianceConfig config;

        @Produces
        @Singleton
        HotFolderSettings hotFolderSettings() {
            return of(config);
        }
    }
}
