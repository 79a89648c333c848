package dev.anomalyedge.service;

import dev.anomalyedge.bundle.ModelBundle;
import dev.anomalyedge.config.ApplianceConfig;
import dev.anomalyedge.engine.AnomalyEngine;
import dev.anomalyedge.engine.select.EngineMode;
import dev.anomalyedge.engine.select.EngineSelector;
import dev.anomalyedge.engine.select.EngineSettings;
import dev.anomalyedge.engine.select.HostBankSearch;
import dev.anomalyedge.engine.select.SelectedEngine;
import org.jboss.logging.Logger;

/**
 * Opens the scoring engine for a bundle with the backend appliance.engine.* asks for (TensorRT plan built or reused, or
 * ONNX Runtime) and remembers why that backend serves.
 */
final class EngineFactory {
    private static final Logger LOG = Logger.getLogger(EngineFactory.class);

    private final ApplianceConfig config;
    private final EngineSelector selector;
    private volatile String reason;

    EngineFactory(ApplianceConfig config, EngineSelector selector) {
        this.config = config;
        this.selector = selector;
    }

    AnomalyEngine open(ModelBundle bundle) {
        SelectedEngine selected = selector.select(bundle.dir(), settings(config));
        reason = selected.statusMessage();
        LOG.info(reason);
        // an engine without its own bank search (TensorRT) gets its head plan on the GPU and the host one, so recipes
        // cost one vision run per batch
        return HostBankSearch.ifMissing(selected.engine(), bundle.settings(), config.engine().threads(), selected.deviceSearch());
    }

    /** Which backend serves and why (for health and the status message); null before the first engine opened. */
    String reason() { return reason; }

    /** The backend appliance.engine.backend asks for. */
    static EngineMode mode(ApplianceConfig config) {
        return config.engine().backend();
    }

    /** The engine settings, from appliance.engine.* and the batch size of appliance.batching.*. */
    static EngineSettings settings(ApplianceConfig config) {
        ApplianceConfig.Engine e = config.engine();
        int maxBatchSize = config.batching().maxBatchSize();
        return EngineSettings.defaults()
                .withMode(mode(config))
                .withBuildIfMissing(e.buildIfMissing())
                .withPrecision(e.precision())
                .withMaxBatch(Math.max(e.maxBatch(), maxBatchSize))
                .withOptBatch(Math.min(maxBatchSize, Math.max(e.maxBatch(), maxBatchSize)))
                .withWorkspaceBytes(e.workspaceMib() << 20);
    }
}
