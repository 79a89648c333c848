package dev.anomalyedge.training;

import dev.anomalyedge.engine.select.EngineMode;
import dev.anomalyedge.graph.Precision;
import dev.anomalyedge.util.FileTrees;

import dev.anomalyedge.evaluation.Calibrator;
import dev.anomalyedge.evaluation.Evaluation;
import dev.anomalyedge.evaluation.FeatureScorer;
import dev.anomalyedge.evaluation.ImageScorer;
import dev.anomalyedge.features.FeatureCache;
import dev.anomalyedge.features.FeatureGraph;
import dev.anomalyedge.features.FeatureStore;

import dev.anomalyedge.bundle.BundleExporter;
import dev.anomalyedge.bundle.ModelBundle;
import dev.anomalyedge.bundle.TrainingRecord;
import dev.anomalyedge.demo.DemoModel;
import dev.anomalyedge.engine.select.Backends;
import dev.anomalyedge.engine.select.EngineSelector;
import dev.anomalyedge.engine.select.EngineSettings;
import dev.anomalyedge.engine.select.NativeProbe;
import dev.anomalyedge.engine.select.SelectedEngine;
import dev.anomalyedge.model.AnomalyClipSettings;
import dev.anomalyedge.model.ClipArchitecture;
import dev.anomalyedge.text.PromptDims;
import dev.anomalyedge.text.PromptLearner;
import dev.anomalyedge.text.PromptTemplates;
import dev.anomalyedge.text.TextEncoder;
import dev.anomalyedge.torch.TorchRuntime;
import dev.anomalyedge.tokenizer.ClipTokenizer;
import dev.anomalyedge.training.data.Dataset;
import dev.anomalyedge.training.data.DatasetLoader;
import dev.anomalyedge.training.data.Format;
import dev.anomalyedge.training.data.LoadOptions;
import dev.anomalyedge.training.data.PseudoAnomalyWriter;
import dev.anomalyedge.training.data.Sample;
import dev.anomalyedge.weights.Checkpoints;
import dev.anomalyedge.weights.Safetensors;
import dev.anomalyedge.weights.StateDict;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * One training run, from a labelled data set to a new bundle:
 * <ol>
 *   <li>load the data set (MVTec: every labelled image, test/ with masks and train/good); optionally add
 *       pseudo-anomalies made from the good images;</li>
 *   <li>read the CLIP checkpoint; start from the given prompt learner or initialise one as the reference does;</li>
 *   <li>extract the features of every image once with the {@link FeatureGraph} into the {@link FeatureCache};</li>
 *   <li>measure the start (training set, from the cache), train ({@link PromptTrainer}), measure again;</li>
 *   <li>export the bundle with the tuned prompt learner ({@link BundleExporter}: graph rebuilt with the new text
 *       embeddings, {@code prompt_learner.safetensors} with the reference's key names), plus
 *       {@code prompt_learner.pth} in AnomalyCLIP's own format;</li>
 *   <li>optionally evaluate the new bundle on a validation set with its engine and calibrate its thresholds;</li>
 *   <li>record the settings, losses, metrics and calibration in the manifest ({@code training}, {@code calibration}).</li>
 * </ol>
 * Scratch files (pseudo-anomalies, the tuned learner before export) live in a work folder beside the output and are
 * deleted at the end. Cancellation is checked between images and steps; a cancelled or failed run leaves no bundle
 * behind (one exported before a failure in the validation step is removed again).
 */
public final class Training {
    /** AnomalyCLIP's own prompt-learner checkpoint in the bundle. */
    public static final String PROMPT_LEARNER_PTH = "prompt_learner.pth";
    private static final String BPE_FILE = "bpe_simple_vocab_16e6.txt.gz";
    private static final AtomicLong RUNS = new AtomicLong();

    private Training() {}

    /**
     * The result of a run.
     *
     * @param before     training-set metrics of the starting prompt learner (null when not measured)
     * @param after      training-set metrics of the tuned prompt learner (null when not measured)
     * @param validation validation-set metrics of the new bundle (null without validation data)
     * @param calibrated thresholds from the validation set (null without validation data)
     */
    public record Outcome(ModelBundle bundle, List<PromptTrainer.EpochSummary> epochs, Evaluation.Report before,
                          Evaluation.Report after, Evaluation.Report validation, Calibrator.Result calibrated, double seconds) {}

    public static Outcome run(TrainRequest r, Consumer<TrainingProgress> progress, Consumer<String> log, BooleanSupplier cancelled)
            throws IOException {
        long t0 = System.nanoTime();
        Instant started = Instant.now();
        Path out = r.out().toAbsolutePath().normalize();
        Files.createDirectories(out.getParent());
        Path work = Files.createDirectories(out.resolveSibling(out.getFileName() + ".work-" + ProcessHandle.current().pid() + "-"
                + RUNS.incrementAndGet()));
        TorchRuntime.Lease torch = null;
        try {
            progress.accept(TrainingProgress.of(TrainingProgress.Phase.PREPARING, 0, 0, 0));
            Dataset data = loadData(r, work, log);
            List<Sample> samples = data.samples();
            Dataset val = r.validationData() == null ? null   // checked now, not after hours of training
                    : DatasetLoader.load(r.validationData(), Format.AUTO, LoadOptions.defaults().withPseudoAnomalies(true));
            check(cancelled);

            // libtorch's threads and device are process-wide: this run holds them until it ends (another training waits)
            torch = TorchRuntime.acquire(r.torchThreads(), r.device(), cancelled); // before any libtorch object of this run exists
            String device = torch.device();
            log.accept("libtorch device: " + device);
            log.accept("reading CLIP checkpoint " + r.clip());
            StateDict clip = Checkpoints.read(r.clip());
            ClipArchitecture arch = ClipArchitecture.infer(clip, r.visionHeads(), r.textHeads());
            AnomalyClipSettings settings = r.settings();
            settings.validate(arch);
            log.accept("architecture: " + arch);
            FeatureGraph graph = FeatureGraph.ensure(r.cacheDir(), clip, Checkpoints.sha256(r.clip()), arch, settings, r.precision(), log);
            FeatureStore.Shape shape = new FeatureStore.Shape(settings.featuresList().size(),
                    settings.grid(arch) * settings.grid(arch) + 1, arch.embedDim());
            FeatureCache cache = FeatureCache.open(r.cacheDir().resolve("features"), r.cacheMaxBytes());
            long needed = FeatureCache.entryBytes(shape.taps(), shape.tokens(), shape.embedDim()) * samples.size();
            if (needed > r.cacheMaxBytes()) {
                log.accept(String.format(Locale.ROOT, "warning: the features of %d images need %.1f GiB but the cache is bounded at %.1f GiB;"
                        + " evicted features are recomputed every epoch", samples.size(), needed / (double) (1L << 30),
                        r.cacheMaxBytes() / (double) (1L << 30)));
            }

            Evaluation.Report before = null, after = null;
            List<PromptTrainer.EpochSummary> epochs;
            Path tuned = work.resolve("prompt_learner.safetensors");
            String start;
            String featureEngine;
            TrainingRecord.FeatureCache cacheStats;
            try (SelectedEngine engine = openEngine(graph.model().getParent(), r, log);
                 TextEncoder encoder = TextEncoder.load(clip, arch);
                 PromptLearner learner = startingLearner(r, clip, arch, log)) {
                clip = null; // the text weights are in libtorch and the vision weights in the graph now
                start = r.prompts() != null ? r.prompts().toString() : "initialised with seed " + r.trainer().seed();
                featureEngine = engine.backend();
                FeatureStore store = new FeatureStore(engine.engine(), featureKey(graph, engine.backend()), cache, shape, r.engineBatch());

                long e0 = System.nanoTime();
                List<Path> images = samples.stream().map(Sample::image).toList();
                if (!store.prefetch(images, done -> progress.accept(TrainingProgress.of(TrainingProgress.Phase.EXTRACTING_FEATURES,
                        done, images.size(), (System.nanoTime() - e0) / 1e9)), cancelled)) {
                    throw new CancellationException("cancelled while extracting features");
                }
                log.accept(String.format(Locale.ROOT, "features of %d images ready (%d computed, %.1f s)", images.size(),
                        store.computedImages(), (System.nanoTime() - e0) / 1e9));

                int grid = settings.grid(arch);
                if (r.trainSetMetrics()) {
                    before = measure(data, store, encoder.normalizedEmbeddings(learner), arch, grid, settings, r, progress, cancelled);
                    log.accept("before training (training set, from cached features):\n" + Evaluation.summary(before));
                }
                PromptTrainer trainer = new PromptTrainer(encoder, learner, store, r.trainer());
                log.accept(String.format(Locale.ROOT, "training %d epochs x %d steps (batch %d, lr %g, seed %d, %s recipe) on %d images",
                        r.trainer().epochs(), PromptTrainer.stepsPerEpoch(samples.size(), r.trainer().batchSize()), r.trainer().batchSize(),
                        r.trainer().lr(), r.trainer().seed(), r.trainer().recipe().name().toLowerCase(Locale.ROOT), samples.size()));
                epochs = trainer.train(samples, progress, cancelled);
                for (PromptTrainer.EpochSummary e : epochs) {
                    log.accept(String.format(Locale.ROOT, "epoch %d: mean loss %.5f (%d steps, %.1f s)", e.epoch(), e.meanLoss(), e.steps(), e.seconds()));
                }
                if (r.trainSetMetrics()) {
                    after = measure(data, store, encoder.normalizedEmbeddings(learner), arch, grid, settings, r, progress, cancelled);
                    log.accept("after training (training set, from cached features):\n" + Evaluation.summary(after));
                }
                Safetensors.write(tuned, learner.stateDict(), Map.of("format", "AnomalyCLIP prompt_learner state_dict"));
                FeatureCache.Stats st = cache.stats();
                cacheStats = new TrainingRecord.FeatureCache(featureEngine, cache.dir().toString(), st.hits(), st.misses(),
                        store.computedImages(), st.sizeBytes(), st.maxBytes());
            }
            check(cancelled);

            progress.accept(TrainingProgress.of(TrainingProgress.Phase.EXPORTING, 0, 0, 0));
            ModelBundle bundle = new BundleExporter(log).export(new BundleExporter.Request(r.clip(), tuned, settings, r.visionHeads(),
                    r.textHeads(), out, r.name(), r.version(), r.demo(), r.note(), r.precision())); // the source bundle's precision
            TorchCheckpointWriter.writePromptLearner(bundle.dir().resolve(PROMPT_LEARNER_PTH), Safetensors.read(tuned).asMap());

            try {
                Evaluation.Report validation = null;
                Calibrator.Result calibrated = null;
                if (val != null) {
                    Calibrator.Data cal = new Calibrator.Data(settings.mapUpperBound());
                    try (SelectedEngine engine = openEngine(bundle.dir(), r, log)) {
                        long v0 = System.nanoTime();
                        validation = Evaluation.run(val, ImageScorer.of(engine.engine(), r.engineBatch()), r.engineBatch(), cal,
                                done -> progress.accept(TrainingProgress.of(TrainingProgress.Phase.EVALUATING, done, val.samples().size(),
                                        (System.nanoTime() - v0) / 1e9)), cancelled);
                    }
                    log.accept("validation set " + val.root() + ":\n" + Evaluation.summary(validation));
                    calibrated = Calibrator.calibrate(cal, r.calibration());
                    log.accept(String.format(Locale.ROOT, "calibrated (%s): image threshold %.6f, pixel threshold %.6f", calibrated.method().id(),
                            calibrated.imageThreshold(), calibrated.pixelThreshold()));
                }
                double seconds = (System.nanoTime() - t0) / 1e9;
                TrainingRecord training = trainingRecord(r, data, start, epochs, before, after, validation, cacheStats, started, seconds);
                bundle = ModelBundle.rewriteManifest(bundle.dir(), bundle.manifest().withTraining(training)
                        .withCalibration(calibrated == null ? null : calibrated.toManifest().withData(absolute(r.validationData()))));
                progress.accept(TrainingProgress.of(TrainingProgress.Phase.DONE, 1, 1, seconds));
                return new Outcome(bundle, epochs, before, after, validation, calibrated, seconds);
            } catch (IOException | RuntimeException e) {
                FileTrees.deleteTree(bundle.dir());   // no half-described bundle: without its training record it is not the run's
                throw e;
            }
        } finally {
            if (torch != null) torch.close();
            FileTrees.deleteTree(work);
        }
    }

    /**
     * The engine for a graph folder ({@code visual.onnx}, TensorRT plans in {@code engines/}), chosen as the service
     * chooses: TensorRT where available and allowed (building the plan if needed), else ONNX Runtime.
     */
    static SelectedEngine openEngine(Path graphDir, TrainRequest r, Consumer<String> log) {
        // INT8 graphs run on ONNX Runtime only (TensorRT cannot parse their com.microsoft operators)
        EngineSettings s = EngineSettings.defaults().withMode(r.precision() == Precision.INT8 ? EngineMode.ONNXRUNTIME : r.engine());
        if (r.engineBatch() > s.maxBatch()) s = s.withMaxBatch(r.engineBatch());
        SelectedEngine e = new EngineSelector(NativeProbe.real(), Backends.real(r.threads()), reason -> { }).select(graphDir, s);
        log.accept(e.statusMessage());
        return e;
    }

    /**
     * The graph part of the feature-cache key: the graph's hash, plus the backend when it is not ONNX Runtime (TensorRT's
     * FP16 features differ slightly, so they are cached apart; ONNX Runtime keeps the keys of earlier caches).
     */
    static String featureKey(FeatureGraph graph, String backend) {
        return backend.startsWith("onnxruntime") ? graph.sha256() : graph.sha256() + "+" + backend;
    }


    private static String absolute(Path p) {
        return p.toAbsolutePath().normalize().toString();
    }

    private static Dataset loadData(TrainRequest r, Path work, Consumer<String> log) {
        Dataset data = DatasetLoader.load(r.data(), r.format(), LoadOptions.defaults().withPseudoAnomalies(r.pseudoAnomalies()));
        log.accept(String.format(Locale.ROOT, "data set %s (%s): %d images, %d good, %d anomalous (%d with mask), classes %s",
                data.root(), data.format(), data.samples().size(), data.goodCount(), data.anomalousCount(), data.maskedCount(), data.classNames()));
        if (r.pseudoAnomalies()) {
            int perClass = r.pseudoPerClass();
            if (perClass == 0) {
                perClass = (int) Math.max(1, data.byClass().values().stream()
                        .mapToLong(l -> l.stream().filter(s -> !s.anomalous()).count()).max().orElse(1));
            }
            data = PseudoAnomalyWriter.addPseudoAnomalies(data, work.resolve("pseudo"), r.trainer().seed(), perClass, List.of());
            log.accept(String.format(Locale.ROOT, "added pseudo-anomalies (up to %d per class): now %d images, %d anomalous",
                    perClass, data.samples().size(), data.anomalousCount()));
        }
        return data;
    }

    /** Training-set metrics of text embeddings, from the cached features. */
    private static Evaluation.Report measure(Dataset data, FeatureStore store, float[] text, ClipArchitecture arch, int grid,
                                            AnomalyClipSettings settings, TrainRequest r, Consumer<TrainingProgress> progress,
                                            BooleanSupplier cancelled) {
        long m0 = System.nanoTime();
        ImageScorer scorer = ImageScorer.of(store, new FeatureScorer(text, arch.embedDim(), grid, settings));
        return Evaluation.run(data, scorer, r.trainer().batchSize(), null, done -> progress.accept(TrainingProgress.of(
                TrainingProgress.Phase.EVALUATING, done, data.samples().size(), (System.nanoTime() - m0) / 1e9)), cancelled);
    }

    /** The prompt learner to start from: the given checkpoint, or a fresh one as the reference initialises it. */
    static PromptLearner startingLearner(TrainRequest r, StateDict clip, ClipArchitecture arch, Consumer<String> log) {
        PromptDims dims = PromptDims.of(r.settings(), arch);
        if (r.prompts() != null) {
            log.accept("starting from prompt learner " + r.prompts());
            return PromptLearner.load(Checkpoints.readPromptLearner(r.prompts()), dims);
        }
        ClipTokenizer tokenizer = tokenizer(r.bpe(), r.clip(), arch, log);
        long[][] ids = tokenizer.tokenize(PromptTemplates.texts(dims.nCtx()), arch.contextLength());
        log.accept("initialising a fresh prompt learner (seed " + r.trainer().seed() + ")");
        return PromptLearner.initialise(dims, ids, clip, r.trainer().seed());
    }

    /**
     * The tokenizer for a fresh learner: {@code bpe} if given, else {@value #BPE_FILE} beside the CLIP file, else the
     * built-in byte-level vocabulary if the model's vocabulary has exactly its size (the demo and random models).
     */
    static ClipTokenizer tokenizer(Path bpe, Path clipFile, ClipArchitecture arch, Consumer<String> log) {
        ClipTokenizer t;
        Path beside = clipFile.toAbsolutePath().resolveSibling(BPE_FILE);
        if (bpe != null) {
            t = ClipTokenizer.load(bpe);
        } else if (Files.isRegularFile(beside)) {
            log.accept("using the BPE vocabulary " + beside);
            t = ClipTokenizer.load(beside);
        } else {
            t = DemoModel.byteTokenizer();
            if (t.vocabSize() != arch.vocabSize()) {
                throw new IllegalArgumentException("a fresh prompt learner needs the CLIP BPE vocabulary for a vocabulary of "
                        + arch.vocabSize() + " tokens: pass --bpe FILE (" + BPE_FILE + ") or put it beside " + clipFile
                        + ", or start from a prompt learner with --prompts");
            }
            log.accept("using the built-in byte-level vocabulary (" + t.vocabSize() + " tokens, as the demo model)");
        }
        if (t.vocabSize() != arch.vocabSize()) {
            throw new IllegalArgumentException("the tokenizer " + t + " has " + t.vocabSize() + " tokens but the CLIP checkpoint "
                    + clipFile + " has a vocabulary of " + arch.vocabSize());
        }
        return t;
    }

    private static TrainingRecord trainingRecord(TrainRequest r, Dataset data, String start, List<PromptTrainer.EpochSummary> epochs,
                                                 Evaluation.Report before, Evaluation.Report after, Evaluation.Report validation,
                                                 TrainingRecord.FeatureCache cache, Instant started, double seconds) {
        PromptTrainer.Options o = r.trainer();
        var opt = o.optimizerSettings(1);
        return new TrainingRecord(
                o.recipe().name().toLowerCase(Locale.ROOT), o.epochs(), o.batchSize(), "adam", o.lr(),
                List.of(opt.beta1(), opt.beta2()), o.seed(), "SplittableRandom(seed) Fisher-Yates per epoch", start,
                data.root().toString(), data.format().name().toLowerCase(Locale.ROOT), data.classNames(),
                data.samples().size(), data.goodCount(), data.anomalousCount(), data.maskedCount(), r.pseudoAnomalies(),
                epochs.stream().mapToInt(PromptTrainer.EpochSummary::steps).sum(),
                epochs.stream().map(PromptTrainer.EpochSummary::meanLoss).toList(), cache,
                before != null ? before.toMap() : null,
                after != null ? after.toMap() : null,
                after != null ? "training set (in-sample), from cached float16 features" : null,
                validation != null ? validation.toMap() : null,
                validation != null ? absolute(r.validationData()) : null,
                started.truncatedTo(ChronoUnit.SECONDS).toString(), Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(),
                Math.round(seconds * 10) / 10.0, r.threads(), TorchRuntime.deviceName());
    }

    private static void check(BooleanSupplier cancelled) {
        if (cancelled.getAsBoolean()) throw new CancellationException("training cancelled");
    }
}
