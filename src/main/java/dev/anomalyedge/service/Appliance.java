package dev.anomalyedge.service;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.anomalyedge.archive.ArchiveSettings;
import dev.anomalyedge.archive.ArchiveStats;
import dev.anomalyedge.archive.ImageArchive;
import dev.anomalyedge.bundle.ModelRepository;
import dev.anomalyedge.config.ApplianceConfig;
import dev.anomalyedge.engine.select.Backends;
import dev.anomalyedge.engine.select.EngineSelector;
import dev.anomalyedge.engine.select.NativeProbe;
import dev.anomalyedge.image.ImageDecoder;
import dev.anomalyedge.inspection.ApplianceState;
import dev.anomalyedge.inspection.BatchSizing;
import dev.anomalyedge.inspection.BatchingWorker;
import dev.anomalyedge.inspection.FaultMonitor;
import dev.anomalyedge.inspection.DecodeGate;
import dev.anomalyedge.inspection.InspectionService;
import dev.anomalyedge.inspection.LoadedModel;
import dev.anomalyedge.inspection.ModelManager;
import dev.anomalyedge.inspection.ResultStore;
import dev.anomalyedge.recipe.RecipeBook;
import dev.anomalyedge.recipe.RecipeStore;
import dev.anomalyedge.mqtt.ModelIdentity;
import dev.anomalyedge.mqtt.MqttPublisherStats;
import dev.anomalyedge.mqtt.MqttResultPublisher;
import dev.anomalyedge.sparkplug.NodeStatus;
import dev.anomalyedge.sparkplug.SparkplugNode;
import dev.anomalyedge.sparkplug.SparkplugSettings;
import dev.anomalyedge.mqtt.StatusSnapshot;
import dev.anomalyedge.training.TrainingJobs;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The serving appliance's lifecycle, and nothing else: on start (never for one-shot commands) it creates the domain
 * objects (model manager, batching worker, result store, inspection pipeline, MQTT publisher, training jobs) and
 * starts the model loader in the background, so liveness answers at once and readiness turns UP after warm-up; on
 * stop it ends the loader and closes what it created. The application services of this package reach the domain
 * objects through its package-private accessors (null while the appliance is not serving).
 */
@ApplicationScoped
public class Appliance {
    private static final Logger LOG = Logger.getLogger(Appliance.class);

    /** System property the command line sets for one-shot commands; the serving appliance stays dormant when it is true. */
    public static final String COMMAND_MODE = "dev.anomalyedge.command-mode";

    @Inject
    ApplianceConfig config;

    @Inject
    MeterRegistry registry;

    @Inject
    ObjectMapper json;

    /** The operator page's live view of results. */
    @Inject
    LiveResults live;

    /** Answers MQTT triggers (appliance.mqtt.trigger.enabled). */
    @Inject
    Inspections triggers;

    private ModelManager models;
    private BatchingWorker worker;
    private InspectionService inspections;
    private MqttResultPublisher mqtt;
    private SparkplugNode sparkplug;
    private TrainingJobs training;
    private volatile RecipeBook recipes;
    private ApplianceMetrics metrics;
    private EngineFactory engines;
    private FaultMonitor faults;
    private volatile ImageArchive archive;
    /** Why the enabled archive could not be opened, or null. */
    private volatile String archiveError;
    private volatile String startupError;
    private volatile boolean started;
    /** Set by {@link #stop()}: the model loader and the demo training end at their next step. */
    private volatile boolean stopping;
    /** Loads the first model and trains the demo; stop() waits for it so no native work outlives the application. */
    private Thread loader;
    /** Opens when the first model of this start serves. */
    private volatile CountDownLatch firstModel = new CountDownLatch(1);

    void onStart(@Observes StartupEvent event) {
        if (Boolean.getBoolean(COMMAND_MODE)) return;
        start();
    }

    void onStop(@Observes ShutdownEvent event) {
        stop();
    }

    synchronized void start() {
        if (started) return;
        ApplianceConfig.Batching batching = config.batching(); // a bad batching setting fails the start before anything opens
        BatchSizing sizing = new BatchSizing(BatchSizing.parseSize(batching.batchSize()), batching.maxBatchSize(),
                batching.deadline(), batching.deadlineBatches(), System::nanoTime);
        started = true;
        firstModel = new CountDownLatch(1);
        metrics = new ApplianceMetrics(registry, this);
        engines = new EngineFactory(config, new EngineSelector(NativeProbe.real(), Backends.real(config.engine().threads()), metrics));
        if (config.mqtt().enabled()) {
            mqtt = new MqttResultPublisher(config.mqtt(), this::statusSnapshot);
            // as many triggers in flight as the inspection queue takes, on top of a full batch being inferred
            if (config.mqtt().triggerEnabled()) mqtt.acceptTriggers(new MqttTriggers(triggers, json),
                    config.batching().maxBatchSize(), config.batching().queueCapacity());
        }
        if (config.sparkplug().enabled()) sparkplug = new SparkplugNode(sparkplugIds(), config.mqtt(),
                SparkplugNode.bdSeqFile(config.mqtt().queueDir()), this::nodeStatus);
        faults = new FaultMonitor(config.fault().afterConsecutiveFailures());
        archive = openArchive();
        ResultRouter router = new ResultRouter(metrics, mqtt, json, config.mqtt().heatmapEnabled(), this::current, faults,
                sparkplug, archive, live);
        ModelRepository repository = new ModelRepository(config.models().dir());
        models = new ModelManager(repository, engines::open, sizing, () -> {
            firstModel.countDown();
            if (recipes != null && models.current() != null) recipes.retainOnly(models.current());
            router.modelChanged(models.current());
        });
        recipes = new RecipeBook(new RecipeStore(config.recipes().dir().map(java.nio.file.Path::of).orElse(config.models().dir().resolve("recipes"))),
                new ImageDecoder(config.limits().maxPixels(), config.limits().maxDecodedBytes()), config.batching().maxBatchSize(),
                config.recipes().maxMapSide());
        RecipeBook book = recipes;
        models.beforeSwap(book::prepareAll); // every recipe's bank is ready for a model before it serves
        worker = new BatchingWorker(config.batching().maxBatchSize(), config.batching().maxWait(),
                config.batching().queueCapacity(), metrics);
        long maxDecodedBytes = config.limits().maxDecodedBytes();
        int decodeSlots = config.decode().maxConcurrent() > 0 ? config.decode().maxConcurrent()
                : DecodeGate.autoSlots(Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory(), maxDecodedBytes);
        inspections = new InspectionService(models, worker, new ResultStore(config.results().capacity()),
                new ImageDecoder(config.limits().maxPixels(), maxDecodedBytes),
                new DecodeGate(decodeSlots, config.decode().maxWait()), config.decode().subsampleMinScale(),
                m -> m.sizing() != null ? m.sizing().deadline() : batching.deadline(), router, // the warm-up's deadline
                name -> Recipes.plan(book, name, config.recipes().defaultRecipe().orElse(null)));
        LOG.infof("image decoding: %d at once, at most %d bytes per image, %s", decodeSlots, maxDecodedBytes,
                config.decode().subsampleMinScale() == 0 ? "never subsampled"
                        : "subsampled from " + 2 * config.decode().subsampleMinScale() + "x the model input on a side");
        if (mqtt != null) mqtt.start(); // never throws for an unreachable broker: results queue on disk meanwhile
        if (sparkplug != null) sparkplug.start(); // likewise: results wait in memory meanwhile
        training = new TrainingJobs();
        stopping = false;
        DemoBootstrap demo = new DemoBootstrap(models, config.models().demoIfEmpty(), config.models().demoTrained(), () -> stopping);
        loader = new Thread(() -> loadInitialModel(demo), "model-loader");
        loader.setDaemon(true);
        loader.start();
    }

    /** The image archive when it is enabled and opens; a folder that cannot be opened is logged and reported, never fatal. */
    private ImageArchive openArchive() {
        archiveError = null;
        ApplianceConfig.Archive a = config.archive();
        if (!a.enabled()) return null;
        try {
            return ImageArchive.open(ArchiveSettings.of(a.dir(), a.keep(), a.okSampleRate(), a.maxBytes(), a.maxAge(), a.minFreeBytes()));
        } catch (RuntimeException e) {
            archiveError = "the image archive is off: " + e.getMessage();
            LOG.error(archiveError, e);
            return null;
        }
    }

    /** The loader: the demo bundle on an empty repository, the default model, then (maybe) the demo training. */
    private void loadInitialModel(DemoBootstrap demo) {
        try {
            ModelRepository repo = models.repository();
            boolean fresh = demo.createIfEmpty();
            if (stopping) return;
            Optional<ModelRepository.ModelRef> ref = repo.defaultModel();
            if (ref.isEmpty()) {
                startupError = "no model bundle in " + repo.dir() + " (and appliance.models.demo-if-empty=false)";
                LOG.error(startupError);
                if (mqtt != null) mqtt.publishStatus();
                return;
            }
            models.activate(ref.get().name(), ref.get().version());
            startupError = null;
            demo.trainIfUntrained(fresh);
        } catch (Exception e) {
            if (stopping) {
                LOG.infof("model loading stopped: the appliance is shutting down (%s)", e.getMessage());
                return;
            }
            startupError = "loading the model failed: " + e.getMessage();
            LOG.error(startupError, e);
            if (mqtt != null) mqtt.publishStatus();
        }
    }


    synchronized void stop() {
        if (!started) return;
        started = false;
        stopping = true;
        awaitLoader();
        if (worker != null) worker.close();
        if (models != null) models.close();
        if (mqtt != null) mqtt.close();
        if (sparkplug != null) sparkplug.close(); // DDEATH and NDEATH before the DISCONNECT
        sparkplug = null;
        if (archive != null) archive.close();
        archive = null;
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

    /** Waits (bounded) until the first model of this start serves; false on timeout. */
    boolean awaitFirstModel(long timeout, TimeUnit unit) throws InterruptedException {
        return firstModel.await(timeout, unit);
    }

    /**
     * The retained MQTT status: the {@link #state()} (STARTING while the publisher runs before a model serves, with
     * the startup error as reason if loading failed), the model, its backend and the FAULT reason.
     */
    private StatusSnapshot statusSnapshot() {
        ApplianceState state = state();
        LoadedModel m = current();
        ModelIdentity model = m == null ? null : new ModelIdentity(m.name(), m.version(), m.bundle().manifest().demo());
        FaultMonitor f = faults;
        String reason = switch (state) {
            case FAULT -> f == null ? null : f.fault().orElse(null);
            case STARTING, OFFLINE -> startupError;
            case READY -> null;
        };
        return new StatusSnapshot(state == ApplianceState.OFFLINE ? ApplianceState.STARTING : state, model,
                m == null ? null : m.engine().backend(), reason);
    }

    private SparkplugSettings sparkplugIds() {
        ApplianceConfig.Sparkplug s = config.sparkplug();
        return new SparkplugSettings(s.groupId(), s.edgeNodeId(), s.deviceId());
    }

    private NodeStatus nodeStatus() {
        LoadedModel m = current();
        return new NodeStatus(state(), m == null ? null : m.name(), m == null ? null : m.version());
    }

    // what the application services of this package use; null while the appliance is not serving

    ApplianceConfig config() { return config; }

    ModelManager models() { return models; }

    /** The model being served, or null. */
    LoadedModel current() { return models == null ? null : models.current(); }

    InspectionService inspections() { return inspections; }

    /** The recipes; null while not serving. */
    RecipeBook recipes() { return recipes; }

    BatchingWorker worker() { return worker; }

    TrainingJobs training() { return training; }

    ApplianceMetrics metrics() { return metrics; }

    /** Consecutive failures and late results; null while not serving. */
    FaultMonitor faults() { return faults; }

    /**
     * The state a PLC reads: OFFLINE while not serving, STARTING until a model serves, FAULT while the last results
     * failed, else READY.
     */
    ApplianceState state() {
        if (!started) return ApplianceState.OFFLINE;
        if (current() == null) return ApplianceState.STARTING;
        FaultMonitor f = faults;
        return f != null && f.fault().isPresent() ? ApplianceState.FAULT : ApplianceState.READY;
    }

    /** The image archive; null when it is off (or could not be opened: {@link #archiveError()}) or not serving. */
    ImageArchive archive() { return archive; }

    String archiveError() { return archiveError; }

    Optional<ArchiveStats> archiveStats() {
        ImageArchive a = archive;
        return a == null ? Optional.empty() : Optional.of(a.stats());
    }

    Optional<MqttPublisherStats> mqttStats() { return mqtt == null ? Optional.empty() : Optional.of(mqtt.stats()); }

    String startupError() { return startupError; }

    /** Which backend serves and why, or null before the first engine opened. */
    String engineReason() { return engines == null ? null : engines.reason(); }

    boolean ready() { return models != null && models.ready(); }
}
