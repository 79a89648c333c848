package dev.anomalyedge.service;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.anomalyedge.bundle.ModelBundle;
import dev.anomalyedge.bundle.ModelRepository;
import dev.anomalyedge.config.ApplianceConfig;
import dev.anomalyedge.engine.AnomalyEngine;
import dev.anomalyedge.engine.select.Backends;
import dev.anomalyedge.engine.select.EngineSelector;
import dev.anomalyedge.engine.select.EngineSettings;
import dev.anomalyedge.engine.select.NativeProbe;
import dev.anomalyedge.engine.select.SelectedEngine;
import dev.anomalyedge.image.Heatmap;
import dev.anomalyedge.image.ImageDecoder;
import dev.anomalyedge.inspection.BatchingWorker;
import dev.anomalyedge.inspection.DecodeGate;
import dev.anomalyedge.inspection.InspectionException;
import dev.anomalyedge.inspection.InspectionResult;
import dev.anomalyedge.inspection.InspectionService;
import dev.anomalyedge.inspection.LoadedModel;
import dev.anomalyedge.inspection.ModelManager;
import dev.anomalyedge.inspection.ResultStore;
import dev.anomalyedge.mqtt.ModelIdentity;
import dev.anomalyedge.mqtt.MqttPublisherStats;
import dev.anomalyedge.mqtt.MqttResultPublisher;
import dev.anomalyedge.training.DemoTraining;
import dev.anomalyedge.training.TrainingJobs;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Owns the serving appliance: model repository and manager, batching worker, result store, MQTT publisher. Started
 * when Quarkus starts in serve mode (never for one-shot commands); the model loads in the background so liveness
 * answers at once and readiness turns UP after warm-up.
 */
@ApplicationScoped
public class ApplianceRuntime {
    private static final Logger LOG = Logger.getLogger(ApplianceRuntime.class);

    /** System property the command line sets for one-shot commands; the serving appliance stays dormant when it is true. */
    public static final String COMMAND_MODE = "dev.anomalyedge.command-mode";

    @Inject
    ApplianceConfig config;

    @Inject
    MeterRegistry registry;

    @Inject
    ObjectMapper json;

    private ModelManager models;
    private BatchingWorker worker;
    private InspectionService inspections;
    private MqttResultPublisher mqtt;
    private TrainingJobs training;
    private ApplianceMetrics metrics;
    private volatile String startupError;
    private volatile String engineReason;
    private EngineSelector selector;
    private volatile boolean started;
    /** Set by {@link #stop()}: the model loader and the demo training end at their next step. */
    private volatile boolean stopping;
    /** Loads the first model and trains the demo; stop() waits for it so no native work outlives the application. */
    private Thread loader;

    void onStart(@Observes StartupEvent event) {
        if (Boolean.getBoolean(COMMAND_MODE)) return;
        start();
    }

    void onStop(@Observes ShutdownEvent event) {
        stop();
    }

    synchronized void start() {
        if (started) return;
        started = true;
        ModelRepository repository = new ModelRepository(config.models().dir());
        metrics = new ApplianceMetrics(registry, this);
        selector = new EngineSelector(NativeProbe.real(), Backends.real(config.engine().threads()), metrics);
        models = new ModelManager(repository, this::openEngine, config.batching().maxBatchSize(), this::modelSwapped);
        worker = new BatchingWorker(config.batching().maxBatchSize(), config.batching().maxWait(),
                config.batching().queueCapacity(), metrics);
        ResultStore store = new ResultStore(config.results().capacity());
        long maxDecodedBytes = config.limits().maxDecodedBytes();
        int decodeSlots = config.decode().maxConcurrent() > 0 ? config.decode().maxConcurrent()
                : DecodeGate.autoSlots(Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory(), maxDecodedBytes);
        inspections = new InspectionService(models, worker, store, new ImageDecoder(config.limits().maxPixels(), maxDecodedBytes),
                new DecodeGate(decodeSlots, config.decode().maxWait()), config.decode().subsampleMinScale(),
                config.batching().deadline(), this::resultReady);
        LOG.infof("image decoding: %d at once, at most %d bytes per image, %s", decodeSlots, maxDecodedBytes,
                config.decode().subsampleMinScale() == 0 ? "never subsampled"
                        : "subsampled from " + 2 * config.decode().subsampleMinScale() + "x the model input on a side");
        if (config.mqtt().enabled()) {
            mqtt = new MqttResultPublisher(config.mqtt(), this::modelIdentity);
            mqtt.start(); // never throws for an unreachable broker: results queue on disk meanwhile
        }
        training = new TrainingJobs();
        stopping = false;
        loader = new Thread(this::loadInitialModel, "model-loader");
        loader.setDaemon(true);
        loader.start();
    }

    private void loadInitialModel() {
        try {
            ModelRepository repo = models.repository();
            boolean fresh = repo.list().isEmpty() && config.models().demoIfEmpty();
            if (fresh) createDemoBundle(repo);
            if (stopping) return;
            Optional<ModelRepository.ModelRef> ref = repo.defaultModel();
            if (ref.isEmpty()) {
                startupError = "no model bundle in " + repo.dir() + " (and appliance.models.demo-if-empty=false)";
                LOG.error(startupError);
                return;
            }
            models.activate(ref.get().name(), ref.get().version());
            startupError = null;
            if (config.models().demoTrained() && (fresh || onlyTheUntrainedDemo(repo.list()))) {
                if (!fresh) LOG.info("the repository holds only the untrained demo (an earlier demo training did not finish): training it again");
                trainDemo(repo);
            }
        } catch (Exception e) {
            if (stopping) {
                LOG.infof("model loading stopped: the appliance is shutting down (%s)", e.getMessage());
                return;
            }
            startupError = "loading the model failed: " + e.getMessage();
            LOG.error(startupError, e);
        }
    }

    /**
     * Whether the repository holds nothing but the untrained built-in demo: the appliance stopped before the background
     * demo training finished, so it trains again instead of serving the untrained demo for good.
     */
    static boolean onlyTheUntrainedDemo(java.util.List<ModelRepository.Entry> entries) {
        return entries.size() == 1 && entries.get(0).name().equals("demo") && entries.get(0).version().equals("untrained-1")
                && entries.get(0).loadable() && entries.get(0).manifest().demo();
    }

    /** The built-in default: the demo model, exported into the repository as demo/untrained-1. */
    private void createDemoBundle(ModelRepository repo) throws IOException {
        Path sources = repo.dir().resolve(".demo-sources");
        LOG.infof("model repository %s is empty: generating the built-in demo bundle (untrained)", repo.dir());
        DemoTraining.exportUntrained(sources, repo.bundleDir("demo", "untrained-1"), "untrained-1", LOG::info);
        repo.setActive(new ModelRepository.ModelRef("demo", "untrained-1"));
    }

    /** Picks the backend for a bundle (TensorRT plan built or reused, or ONNX Runtime) and remembers why. */
    /**
     * The built-in default becomes the trained demo: prompts tuned on the synthetic parts, calibrated, activated once
     * ready unless an operator activated another model meanwhile. Serving goes on with the untrained demo until then.
     */
    private void trainDemo(ModelRepository repo) {
        try {
            LOG.info("training the demo model's prompts on the built-in synthetic parts (background)");
            DemoTraining.Result r = DemoTraining.train(repo.dir().resolve(".demo-training"), repo.bundleDir("demo", "trained-1"),
                    DemoTraining.Options.defaults(), p -> { }, line -> LOG.debug(line), () -> stopping);
            if (stopping) return;
            LoadedModel current = models.current();
            if (current != null && current.name().equals("demo") && current.version().equals("untrained-1")) {
                models.activate("demo", "trained-1");
            }
            LOG.infof("%s: %s", r.summary(), r.bundle().dir());
        } catch (java.util.concurrent.CancellationException e) {
            LOG.info("demo training stopped: the appliance is shutting down (it trains again at the next start)");
        } catch (Exception e) {
            LOG.errorf(e, "training the demo model failed; the untrained demo keeps serving");
        }
    }

    AnomalyEngine openEngine(ModelBundle bundle) {
        ApplianceConfig.Engine e = config.engine();
        EngineSettings settings = EngineSettings.defaults()
                .withMode(e.backend())
                .withBuildIfMissing(e.buildIfMissing())
                .withPrecision(e.precision())
                .withMaxBatch(Math.max(e.maxBatch(), config.batching().maxBatchSize()))
                .withOptBatch(Math.min(config.batching().maxBatchSize(), Math.max(e.maxBatch(), config.batching().maxBatchSize())))
                .withWorkspaceBytes(e.workspaceMib() << 20);
        SelectedEngine selected = selector.select(bundle.dir(), settings);
        engineReason = selected.statusMessage();
        LOG.info(engineReason);
        return selected.engine();
    }

    /** Which backend serves and why (for health and the status message). */
    public String engineReason() { return engineReason; }

    private void modelSwapped() {
        metrics.modelChanged(models.current());
        if (mqtt != null) mqtt.publishStatus();
    }

    private ModelIdentity modelIdentity() {
        LoadedModel m = models == null ? null : models.current();
        return m == null ? ModelIdentity.UNKNOWN : new ModelIdentity(m.name(), m.version(), m.bundle().manifest().demo());
    }

    private void resultReady(InspectionResult r) {
        metrics.inspected(r);
        if (mqtt == null) return;
        try {
            byte[] heatmap = config.mqtt().heatmapEnabled()
                    ? Heatmap.overlayPng(r.resized(), r.anomalyMap(), heatmapRange(), Heatmap.DEFAULT_OPACITY) : null;
            if (!mqtt.publishResult(json.writeValueAsString(r), heatmap)) {
                LOG.warnf("result %s was not queued for MQTT (queue full with REJECT_NEW, or disk error)", r.id());
            }
        } catch (IOException | RuntimeException e) {
            LOG.errorf(e, "result %s could not be queued for MQTT", r.id());
        }
    }

    /** Fixed colour scale of overlays: 0 → number of taps (sum) or 1 (mean). */
    public Heatmap.Range heatmapRange() {
        LoadedModel m = models.current();
        if (m == null) return Heatmap.Range.fixed(0, 1);
        return Heatmap.Range.fixed(0, (float) m.bundle().settings().mapUpperBound());
    }

    synchronized void stop() {
        if (!started) return;
        started = false;
        stopping = true;
        awaitLoader();
        if (worker != null) worker.close();
        if (models != null) models.close();
        if (mqtt != null) mqtt.close();
        if (training != null) training.close();
    }

    /**
     * Waits for the model loader (export, demo training) to reach its next cancellation point and end: libtorch and ONNX
     * Runtime work must not go on while the application closes what it uses, nor outlive it.
     */
    private void awaitLoader() {
        Thread t = loader;
        if (t == null) return;
        try {
            t.join(120_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (t.isAlive()) LOG.warn("the model loader did not stop within 120 s; closing the appliance anyway");
        loader = null;
    }

    /** Whether the model loader (first model, demo training) still runs. */
    boolean loading() {
        Thread t = loader;
        return t != null && t.isAlive();
    }

    /** Prompt-tuning jobs started over REST (one runs at a time). */
    public TrainingJobs training() {
        if (training == null) throw new InspectionException(InspectionException.Kind.UNAVAILABLE, "the appliance is not serving");
        return training;
    }

    public ModelManager models() { return models; }

    public InspectionService inspections() { return inspections; }

    public BatchingWorker worker() { return worker; }

    public Optional<MqttPublisherStats> mqttStats() {
        return mqtt == null ? Optional.empty() : Optional.of(mqtt.stats());
    }

    public String startupError() { return startupError; }

    public boolean ready() { return models != null && models.ready(); }

    public ApplianceConfig config() { return config; }

    public ApplianceMetrics metrics() { return metrics; }

    public boolean mqttEnabled() { return mqtt != null; }

}
