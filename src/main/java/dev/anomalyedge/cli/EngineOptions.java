package dev.anomalyedge.cli;

import dev.anomalyedge.bundle.ModelBundle;
import dev.anomalyedge.engine.select.Backends;
import dev.anomalyedge.engine.select.EngineMode;
import dev.anomalyedge.engine.select.EngineSelector;
import dev.anomalyedge.engine.select.EngineSettings;
import dev.anomalyedge.engine.select.NativeProbe;
import dev.anomalyedge.engine.select.HostBankSearch;
import dev.anomalyedge.engine.select.SelectedEngine;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** Backend choice for commands that run a bundle, as in the service's appliance.engine.* settings. */
public class EngineOptions {
    @Option(names = "--engine", defaultValue = "auto",
            description = "auto (TensorRT when a GPU and its natives are present, else ONNX Runtime), tensorrt or onnxruntime (default: ${DEFAULT-VALUE})")
    String engine = "auto"; // also when built without picocli (demo)

    @Option(names = "--threads", description = "ONNX Runtime intra-op threads (default: all cores)")
    Integer threads;

    @Option(names = "--no-build", description = "auto mode: do not build a missing TensorRT plan; fall back to ONNX Runtime")
    boolean noBuild;

    /** As {@link #open(ModelBundle, int)}, for the bundle in {@code bundleDir}. */
    SelectedEngine open(Path bundleDir, int maxBatch) {
        return open(ModelBundle.load(bundleDir), maxBatch);
    }

    SelectedEngine open(ModelBundle bundle, int maxBatch) {
        Path bundleDir = bundle.dir();
        EngineSettings s = EngineSettings.defaults().withMode(EngineMode.parse(engine)).withBuildIfMissing(!noBuild);
        if (maxBatch > s.maxBatch()) s = s.withMaxBatch(maxBatch);
        SelectedEngine selected = new EngineSelector(NativeProbe.real(), Backends.real(threads == null ? 0 : threads), r -> { })
                .select(bundleDir, s);
        Console.info(selected.statusMessage());
        // an engine without its own bank search (TensorRT) gets its head plan on the GPU and the host one (few-shot: one
        // vision run per batch)
        return new SelectedEngine(HostBankSearch.ifMissing(selected.engine(), bundle.settings(),
                threads == null ? 0 : threads, selected.deviceSearch()), selected.backend(), selected.reason());
    }
}
