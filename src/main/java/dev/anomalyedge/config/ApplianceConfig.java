package dev.anomalyedge.config;

import dev.anomalyedge.engine.select.EngineMode;
import dev.anomalyedge.engine.trt.TrtPrecision;
import dev.anomalyedge.mqtt.MqttSettings;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithConverter;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Every {@code appliance.*} setting. Each can also be given as an environment variable
 * ({@code appliance.mqtt.host} → {@code APPLIANCE_MQTT_HOST}). Choices are enums ({@link EngineMode},
 * {@link TrtPrecision}, the MQTT queue's drop policy): a value outside them fails the start with a message naming the
 * setting and the allowed values.
 */
@ConfigMapping(prefix = "appliance")
public interface ApplianceConfig {

    Models models();

    /** API key required by mutating endpoints (header {@code X-API-Key} or {@code Authorization: Bearer}); unset = they are refused. */
    @WithName("api-key")
    Optional<String> apiKey();

    Engine engine();

    Batching batching();

    Limits limits();

    Results results();

    Mqtt mqtt();

    Training training();

    Decode decode();

    Http http();

    Inspections inspections();

    Fault fault();

    Sparkplug sparkplug();

    /**
     * {@code appliance.sparkplug.*}: the appliance as a Sparkplug B 3.0 edge node (own MQTT session to the broker of
     * {@code appliance.mqtt.*}: host, port, TLS, credentials, client id + {@code -sparkplug}, reconnect delays). It does
     * not need {@code appliance.mqtt.enabled}.
     */
    interface Sparkplug {
        /** Be a Sparkplug B edge node. */
        @WithDefault("false")
        boolean enabled();

        /** Sparkplug group id (one topic level). */
        @WithName("group-id")
        @WithDefault("anomaly")
        String groupId();

        /** Sparkplug edge node id (one topic level). */
        @WithName("edge-node-id")
        @WithDefault("appliance1")
        String edgeNodeId();

        /** Sparkplug device id of the inspection (one topic level). */
        @WithName("device-id")
        @WithDefault("inspection")
        String deviceId();
    }

    Recipes recipes();

    /**
     * {@code appliance.recipes.*}: recipes (good reference images per part type, an optional region of interest and
     * tiling, a calibrated threshold), one folder each under {@link #dir()}.
     */
    interface Recipes {
        /** The recipe of inspections that name none; unset = plain zero-shot. An unknown name fails those inspections (unknown_recipe). */
        @WithName("default")
        Optional<String> defaultRecipe();

        /**
         * The recipes folder; unset = {@code <appliance.models.dir>/recipes}, on the models volume. A string, not a path,
         * like the hot folder's: its default is not in the working directory, so deployments need not set it.
         */
        Optional<String> dir();

        /** Long side of the stored map (and overlay) of an inspection with a region of interest or tiles, in pixels. */
        @WithName("max-map-side")
        @WithDefault("1024")
        int maxMapSide();
    }

    HotFolder hotfolder();

    /**
     * {@code appliance.hotfolder.*}: images dropped into a folder are inspected once each and moved to
     * {@code <dir>/processed/<verdict>/} with their result JSON.
     */
    interface HotFolder {
        /** Watch {@link #dir()} and inspect every image that appears in it. */
        @WithDefault("false")
        boolean enabled();

        /**
         * The watched folder (required when enabled). A string, not a path: it has no default in the working directory
         * that a deployment would have to override, and it is read only when the hot folder is enabled.
         */
        Optional<String> dir();

        /** The safety-net scan of the folder, for file systems whose change events do not arrive (network shares, containers). */
        @WithName("poll-interval")
        @WithDefault("1s")
        Duration pollInterval();

        /** A file is complete once its size and modification time stayed unchanged this long (or it was renamed in). */
        @WithName("stable-for")
        @WithDefault("500ms")
        Duration stableFor();
    }

    Archive archive();

    /** The image archive: input images, overlays and results of the results it keeps, on disk, within bounds. */
    interface Archive {
        /** Keep images at all. */
        @WithDefault("false")
        boolean enabled();

        /** Archive folder: {@code <dir>/<yyyy-mm-dd>/<id>.{png|jpg|bmp|bin, overlay.png, json}}; put it on a volume. */
        @WithDefault("archive")
        Path dir();

        /** NG (every result that is not a pass: NG, UNCALIBRATED, ERROR), OK (passes only) or ALL. */
        @WithDefault("NG")
        dev.anomalyedge.archive.Keep keep();

        /** Fraction of OK results kept when keep is OK or ALL, 0..1 (1 = every one, 0.01 = one in a hundred at random). */
        @WithName("ok-sample-rate")
        @WithDefault("1")
        double okSampleRate();

        /** Bound of the archive's files; the oldest entries are deleted first. 0 = no bound. */
        @WithName("max-bytes")
        @WithDefault("10737418240")
        long maxBytes();

        /** Entries older than this are deleted. 0 = no bound. */
        @WithName("max-age")
        @WithDefault("30d")
        Duration maxAge();

        /** Free space to leave on the archive's disk; the oldest entries are deleted first, else the entry is not written. 0 = no bound. */
        @WithName("min-free-bytes")
        @WithDefault("1073741824")
        long minFreeBytes();
    }

    interface Fault {
        /**
         * FAULT after this many consecutive results that are ERROR (not inspected: undecodable, too large, queue full,
         * deadline missed, no model, engine failure); the next inspected result clears it. 0 = never.
         */
        @WithName("after-consecutive-failures")
        @WithDefault("5")
        int afterConsecutiveFailures();
    }

    interface Models {
        /** Model repository: {@code <dir>/<name>/<version>/bundle.json}; the demo bundle is generated here when it is empty. */
        @WithDefault("models")
        Path dir();

        /** Generate the built-in demo bundle when the repository holds no bundle. */
        @WithName("demo-if-empty")
        @WithDefault("true")
        boolean demoIfEmpty();

        /**
         * After generating the demo bundle, train its prompts on the built-in synthetic parts in the background
         * (about a minute on 2 cores) and switch to the trained, calibrated {@code demo/trained-1} when it is ready.
         */
        @WithName("demo-trained")
        @WithDefault("true")
        boolean demoTrained();
    }

    interface Engine {
        /**
         * auto (TensorRT when a GPU and its natives are present, else ONNX Runtime), tensorrt, or onnxruntime (any
         * case); another value fails the start naming this setting and the allowed values.
         */
        @WithDefault("auto")
        @WithConverter(Choices.Backend.class)
        EngineMode backend();

        /** ONNX Runtime intra-op threads; 0 = one per core. */
        @WithDefault("0")
        int threads();

        /** auto mode: build a TensorRT plan when none matches this GPU/TensorRT/bundle (minutes); false = fall back to ONNX Runtime. */
        @WithName("build-if-missing")
        @WithDefault("true")
        boolean buildIfMissing();

        /** TensorRT precision: fp16 or fp32 (any case); another value fails the start naming this setting. */
        @WithDefault("fp16")
        @WithConverter(Choices.Precision.class)
        TrtPrecision precision();

        /** TensorRT optimisation profile: largest batch the plan accepts. */
        @WithName("max-batch")
        @WithDefault("32")
        int maxBatch();

        /** TensorRT builder workspace limit in MiB. */
        @WithName("workspace-mib")
        @WithDefault("4096")
        long workspaceMib();
    }

    interface Batching {
        /** Upper bound of the images per engine call (and of what {@code batch-size=auto} tries). */
        @WithName("max-batch-size")
        @WithDefault("4")
        int maxBatchSize();

        /**
         * Images per engine call: {@code auto} measures batch 1, 2, 4, … (up to max-batch-size) at each model's warm-up and
         * keeps the size with the best images/s (a bigger one only when it gives ≥ 10 % more); a number fixes it.
         */
        @WithName("batch-size")
        @WithDefault("auto")
        String batchSize();

        /** How long the worker waits for more requests to fill a batch. */
        @WithName("max-wait")
        @WithDefault("5ms")
        Duration maxWait();

        /** Requests waiting for the engine; beyond this the API answers 503 with Retry-After. */
        @WithName("queue-capacity")
        @WithDefault("32")
        int queueCapacity();

        /**
         * Per-request deadline from arrival to result, past which the API answers 504: at least this, longer when
         * {@code deadline-batches} × the measured latency of one batch is longer.
         */
        @WithDefault("10s")
        Duration deadline();

        /** The deadline covers this many batches at the warm-up's measured latency (when longer than {@code deadline}); 0 = {@code deadline} alone. */
        @WithName("deadline-batches")
        @WithDefault("3")
        double deadlineBatches();

        /** Liveness turns DOWN when one inference batch runs longer than this (a hung native call): the orchestrator restarts the process. */
        @WithName("stuck-after")
        @WithDefault("5m")
        Duration stuckAfter();
    }

    interface Limits {
        @WithName("max-upload-bytes")
        @WithDefault("33554432")
        long maxUploadBytes();

        /** Width × height limit, checked from the image header before any pixel is decoded. */
        @WithName("max-pixels")
        @WithDefault("40000000")
        long maxPixels();

        @WithName("max-batch-images")
        @WithDefault("16")
        int maxBatchImages();

        /**
         * Bytes one image may occupy decoded (decoder samples at their bit depth and channel count, plus the copy the
         * pre-processing works on, after any subsampling), checked from the header before decoding; beyond it 413.
         */
        @WithName("max-decoded-bytes")
        @WithDefault("268435456")
        long maxDecodedBytes();

        /** Longest part id (X-Part-Id header or multipart field part_id), in characters; it must be printable too. */
        @WithName("max-part-id-length")
        @WithDefault("128")
        int maxPartIdLength();
    }

    interface Results {
        /** Recent results (with their maps) kept for GET …/{id}, heatmap.png and anomaly-map.npy. */
        @WithDefault("200")
        int capacity();
    }

    /**
     * {@code appliance.mqtt.*}: declared once, in {@link MqttSettings} (names, defaults, meaning), so that the publisher
     * takes this group as it is.
     */
    interface Mqtt extends MqttSettings {
    }

    /** Prompt-tuning jobs started over REST ({@code /api/v1/training-jobs}). */
    interface Training {
        /**
         * Feature cache of the jobs: the feature graph ({@code graphs/}, about the size of the CLIP vision weights) and
         * the extracted features ({@code features/}, bounded by {@link #cacheMaxBytes()}). Unset:
         * {@code ~/.cache/anomaly-appliance}. Put it on a writable volume; it need not survive (features are recomputed).
         */
        @WithName("cache-dir")
        Optional<Path> cacheDir();

        /** Bound of the cached features in bytes (the graph comes on top); evicted features are recomputed. */
        @WithName("cache-max-bytes")
        @WithDefault("17179869184")
        long cacheMaxBytes();
    }

    /** Image decoding on the request threads, before the inference queue. */
    interface Decode {
        /** Images decoded at once; 0 = auto: min(cores, heap / 2 / limits.max-decoded-bytes), at least 1. */
        @WithName("max-concurrent")
        @WithDefault("0")
        int maxConcurrent();

        /** How long a request waits for a decode slot; then 503 with Retry-After. */
        @WithName("max-wait")
        @WithDefault("2s")
        Duration maxWait();

        /**
         * An image at least 2·N times the model input on a side is subsampled while decoding, keeping at least N times
         * the model input; 0 = never (every image Pillow-exact, full-size decode).
         */
        @WithName("subsample-min-scale")
        @WithDefault("4")
        int subsampleMinScale();
    }

    interface Http {
        /**
         * Browser origins ({@code scheme://host[:port]}) on other sites allowed to send changes (POST/PUT/DELETE); other
         * cross-site browser requests are refused. Also the origins CORS allows once quarkus.http.cors.enabled=true.
         */
        @WithName("allowed-origins")
        Optional<List<String>> allowedOrigins();
    }

    interface Inspections {
        /** Inspections (POST /api/v1/inspections and …/inspections:batch) need the API key too. */
        @WithName("require-key")
        @WithDefault("false")
        boolean requireKey();
    }
}
