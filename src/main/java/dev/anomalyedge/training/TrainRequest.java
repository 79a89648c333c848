package dev.anomalyedge.training;

import dev.anomalyedge.graph.Precision;
import dev.anomalyedge.evaluation.Calibrator;

import dev.anomalyedge.engine.select.EngineMode;
import dev.anomalyedge.model.AnomalyClipSettings;
import dev.anomalyedge.torch.TorchRuntime;
import dev.anomalyedge.training.data.Format;
import dev.anomalyedge.training.torch.Recipe;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Everything one training run needs; build with {@link #builder}.
 *
 * @param clip            CLIP checkpoint (.safetensors, torch.save .pth or OpenAI TorchScript .pt)
 * @param prompts         prompt learner to start from, or null for a fresh one (initialised as the reference does)
 * @param bpe             CLIP BPE merges for a fresh learner; null = {@code bpe_simple_vocab_16e6.txt.gz} beside the CLIP
 *                        file, or the built-in byte-level vocabulary when the model has exactly that vocabulary (demo)
 * @param settings        AnomalyCLIP settings (image size, taps, DPAM, prompt sizes)
 * @param visionHeads     vision heads, null = width/64
 * @param textHeads       text heads, null = width/64
 * @param data            labelled data set root
 * @param format          its layout (AUTO detects)
 * @param pseudoAnomalies add pseudo-anomalies made from the good images (required for a good-only data set)
 * @param pseudoPerClass  pseudo-anomalies per class; 0 = as many as the largest class has good images
 * @param trainer         epochs, batch size, learning rate, seed, recipe
 * @param out             bundle directory to write (e.g. {@code models/<name>/<version>} in the model repository)
 * @param name            model name, null = the parent directory's name
 * @param version         model version, null = the directory's name
 * @param demo            mark the bundle as a demo model
 * @param note            note for the manifest (may be null)
 * @param cacheDir        feature cache root (graphs/ and features/ inside)
 * @param cacheMaxBytes   bound of the cached features
 * @param threads         CPU threads of ONNX Runtime (feature extraction, validation)
 * @param torchThreads    CPU threads of libtorch's optimiser steps (1 by default: a full-size step takes well under a
 *                        second on one, and a second one cost 6–30× the CPU on a busy box while the appliance serves)
 * @param engineBatch     images per vision-engine call
 * @param trainSetMetrics measure the metrics on the training data before and after training (from cached features)
 * @param validationData  a data set to evaluate the new bundle on and to calibrate its thresholds with; null = none
 * @param calibration     how to calibrate on {@code validationData}
 * @param device          where libtorch trains: auto (CUDA when libtorch sees a device), cpu or cuda
 * @param engine          the vision engine for feature extraction and validation: auto (TensorRT where the service
 *                        would use it, else ONNX Runtime), tensorrt or onnxruntime
 */
public record TrainRequest(Path clip, Path prompts, Path bpe, AnomalyClipSettings settings, Integer visionHeads, Integer textHeads,
                           Path data, Format format, boolean pseudoAnomalies, int pseudoPerClass, PromptTrainer.Options trainer,
                           Path out, String name, String version, boolean demo, String note, Path cacheDir, long cacheMaxBytes,
                           int threads, int torchThreads, int engineBatch, boolean trainSetMetrics, Path validationData,
                           Calibrator.Options calibration, String device, EngineMode engine, Precision precision) {

    /** 16 GiB of cached features (about 1,900 images of ViT-L/14 at 518 px with 4 taps). */
    public static final long DEFAULT_CACHE_BYTES = 16L << 30;

    public TrainRequest {
        Objects.requireNonNull(clip, "clip");
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(out, "out");
        Objects.requireNonNull(trainer, "trainer");
        Objects.requireNonNull(cacheDir, "cacheDir");
        Objects.requireNonNull(calibration, "calibration");
        if (format == null) format = Format.AUTO;
        if (pseudoPerClass < 0) throw new IllegalArgumentException("pseudo-anomalies per class must be >= 0, got " + pseudoPerClass);
        if (cacheMaxBytes < 0) throw new IllegalArgumentException("cache bound must be >= 0, got " + cacheMaxBytes);
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        if (torchThreads < 1) throw new IllegalArgumentException("libtorch threads must be >= 1, got " + torchThreads);
        if (engineBatch < 1) throw new IllegalArgumentException("engine batch must be >= 1, got " + engineBatch);
        if (engine == null) engine = EngineMode.AUTO;
        if (precision == null) precision = Precision.FP32;
        device = TorchRuntime.deviceMode(device);
    }

    /** The default feature cache: {@code ~/.cache/anomaly-appliance}. */
    public static Path defaultCacheDir() {
        return Path.of(System.getProperty("user.home"), ".cache", "anomaly-appliance");
    }

    public static Builder builder(Path clip, AnomalyClipSettings settings, Path data, Path out) {
        return new Builder(clip, settings, data, out);
    }

    /** Defaults: fresh learner, AUTO format, the official trainer options, default cache, all cores for ONNX Runtime, one libtorch thread. */
    public static final class Builder {
        private final Path clip, data, out;
        private final AnomalyClipSettings settings;
        private Path prompts, bpe, cacheDir = defaultCacheDir(), validationData;
        private Integer visionHeads, textHeads;
        private Format format = Format.AUTO;
        private boolean pseudoAnomalies, demo, trainSetMetrics = true;
        private int pseudoPerClass, threads = Runtime.getRuntime().availableProcessors(), torchThreads = 1, engineBatch = 1;
        private PromptTrainer.Options trainer = PromptTrainer.Options.official();
        private String name, version, note;
        private long cacheMaxBytes = DEFAULT_CACHE_BYTES;
        private Calibrator.Options calibration = Calibrator.Options.automatic();
        private String device = "auto";
        private EngineMode engine = EngineMode.AUTO;
        private Precision precision = Precision.FP32;

        private Builder(Path clip, AnomalyClipSettings settings, Path data, Path out) {
            this.clip = clip;
            this.settings = settings;
            this.data = data;
            this.out = out;
        }

        public Builder prompts(Path v) { prompts = v; return this; }
        public Builder bpe(Path v) { bpe = v; return this; }
        public Builder heads(Integer vision, Integer text) { visionHeads = vision; textHeads = text; return this; }
        public Builder format(Format v) { format = v; return this; }
        public Builder pseudoAnomalies(boolean v) { pseudoAnomalies = v; return this; }
        public Builder pseudoPerClass(int v) { pseudoPerClass = v; return this; }
        public Builder trainer(PromptTrainer.Options v) { trainer = v; return this; }
        public Builder trainer(int epochs, int batchSize, double lr, long seed, Recipe recipe) {
            trainer = new PromptTrainer.Options(epochs, batchSize, lr, seed, recipe);
            return this;
        }
        public Builder name(String v) { name = v; return this; }
        public Builder version(String v) { version = v; return this; }
        public Builder demo(boolean v, String n) { demo = v; note = n; return this; }
        public Builder cache(Path dir, long maxBytes) { cacheDir = dir; cacheMaxBytes = maxBytes; return this; }
        public Builder threads(int v) { threads = v; return this; }
        public Builder torchThreads(int v) { torchThreads = v; return this; }
        public Builder engineBatch(int v) { engineBatch = v; return this; }
        public Builder trainSetMetrics(boolean v) { trainSetMetrics = v; return this; }
        public Builder validation(Path v, Calibrator.Options c) { validationData = v; calibration = c; return this; }
        public Builder device(String v) { device = v; return this; }
        public Builder engine(EngineMode v) { engine = v; return this; }
        /** Precision of the feature graph and of the exported bundle (that of the bundle training starts from). */
        public Builder precision(Precision v) { precision = v; return this; }

        public TrainRequest build() {
            return new TrainRequest(clip, prompts, bpe, settings, visionHeads, textHeads, data, format, pseudoAnomalies,
                    pseudoPerClass, trainer, out, name, version, demo, note, cacheDir, cacheMaxBytes, threads, torchThreads, engineBatch,
                    trainSetMetrics, validationData, calibration, device, engine, precision);
        }
    }
}
