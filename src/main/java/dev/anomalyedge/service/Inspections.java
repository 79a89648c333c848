package dev.anomalyedge.service;

import dev.anomalyedge.image.Heatmap;
import dev.anomalyedge.inspection.ErrorCode;
import dev.anomalyedge.inspection.InspectionException;
import dev.anomalyedge.inspection.InspectionResult;
import dev.anomalyedge.inspection.InspectionService;
import dev.anomalyedge.inspection.PartIds;
import dev.anomalyedge.tensor.Npy;
import io.quarkus.runtime.annotations.RegisterForReflection;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Inspections, one call per request: one image, a batch (every image answered in order, a result or an error each),
 * a recent result, its heatmap overlay and raw map; and the count of requests refused before inference.
 */
@ApplicationScoped
public class Inspections {
    @Inject
    Appliance app;

    /** An image of a batch, read when its turn comes: one that cannot be read is its own error entry. */
    public interface Image {
        /** Where the image came from (file name), named in its result or error. */
        String source();

        /** The image's bytes; an {@link InspectionException} (e.g. too large) fails this image only. */
        byte[] read() throws IOException;
    }

    /** The answer to a batch: {@code results} in request order, each an {@link InspectionResult} or an {@link ImageError}. */
    public record Batch(int count, int failed, List<Object> results) {}

    /**
     * An image of a batch that was not inspected: the failure kind ({@code error}, e.g. unprocessable) and why. Registered
     * for reflection: it is serialized inside {@link Batch#results()}, which a native build does not see through.
     */
    @RegisterForReflection
    public record ImageError(String source, String error, String detail) {}

    /**
     * Scores one image; a failure (also reading the image, e.g. an upload over the limit) is thrown as an
     * {@link InspectionException} that carries the ERROR result, published like any result.
     */
    public InspectionResult inspect(Image image, String partId) throws IOException {
        return inspect(image, partId, null);
    }

    /** As {@link #inspect(Image, String)} with recipe {@code recipe} (null: appliance.recipes.default, if set). */
    public InspectionResult inspect(Image image, String partId, String recipe) throws IOException {
        InspectionService pipeline = pipeline();
        byte[] bytes;
        try {
            bytes = image.read();
        } catch (InspectionException e) {
            throw pipeline.failed(e, image.source(), partId);
        }
        return pipeline.inspect(bytes, image.source(), partId, recipe);
    }

    /** Scores one image already in memory; as {@link #inspect(Image, String)}. */
    public InspectionResult inspect(byte[] bytes, String source, String partId) {
        return pipeline().inspect(bytes, source, partId);
    }

    /**
     * A trigger from the line (MQTT, hot folder): always answered with a result, an ERROR result when the image could
     * not be inspected (stored and published like any result). The part id follows the REST rules
     * (appliance.limits.max-part-id-length printable characters; a bad one is a bad_request ERROR result without it) and
     * the image appliance.limits.max-upload-bytes (too_large). Never throws.
     */
    public InspectionResult trigger(byte[] bytes, String source, String partId) {
        return trigger(bytes, source, partId, null);
    }

    /** As {@link #trigger(byte[], String, String)} with recipe {@code recipe} (null: appliance.recipes.default, if set). */
    public InspectionResult trigger(byte[] bytes, String source, String partId, String recipe) {
        try {
            InspectionService pipeline = pipeline();
            try {
                PartIds.check(partId, app.config().limits().maxPartIdLength());
            } catch (InspectionException e) {
                return pipeline.failed(e, source, null).result();
            }
            long limit = app.config().limits().maxUploadBytes();
            if (bytes != null && bytes.length > limit) {
                return pipeline.failed(new InspectionException(ErrorCode.TOO_LARGE, "image of " + bytes.length
                        + " bytes exceeds " + limit + " bytes (appliance.limits.max-upload-bytes)"), source, partId).result();
            }
            return pipeline.inspect(bytes, source, partId, recipe);
        } catch (InspectionException e) {
            if (e.result() != null) return e.result();
            return InspectionResult.failed(partId, source, e.code(), e.getMessage(), null, 0); // not serving: nothing to publish through
        }
    }

    /**
     * A trigger whose image is read when its turn comes (a file on the hot folder): as {@link #trigger(byte[], String,
     * String)}; an image that cannot be read (too large: an {@link InspectionException}; an I/O failure) is its ERROR
     * result. Never throws.
     */
    public InspectionResult trigger(Image image, String partId) {
        return trigger(image, partId, null);
    }

    /** As {@link #trigger(Image, String)} with recipe {@code recipe} (null: appliance.recipes.default, if set). */
    public InspectionResult trigger(Image image, String partId, String recipe) {
        byte[] bytes;
        try {
            bytes = image.read();
        } catch (IOException e) {
            return unread(new InspectionException(ErrorCode.BAD_REQUEST, "cannot read " + image.source() + ": " + e.getMessage(), e),
                    image.source(), partId);
        } catch (InspectionException e) {
            return unread(e, image.source(), partId);
        }
        return trigger(bytes, image.source(), partId, recipe);
    }

    /** The ERROR result of a trigger whose image could not be read, published like any result (when serving). */
    private InspectionResult unread(InspectionException e, String source, String partId) {
        InspectionService s = app.inspections();
        if (s == null) return InspectionResult.failed(partId, source, e.code(), e.getMessage(), null, 0);
        return s.failed(e, source, partId).result();
    }

    /**
     * The answer to a trigger refused before it reached the pipeline because too many triggers wait already: a
     * queue_full ERROR result, stored and published like any result. Never throws.
     */
    public InspectionResult triggerQueueFull(String source, String partId) {
        InspectionException full = new InspectionException(ErrorCode.QUEUE_FULL, "too many triggers waiting; retry shortly");
        try {
            return pipeline().failed(full, source, checkedOrNull(partId)).result();
        } catch (InspectionException e) {
            return InspectionResult.failed(checkedOrNull(partId), source, e.code(), e.getMessage(), null, 0);
        }
    }

    private String checkedOrNull(String partId) {
        try {
            return PartIds.check(partId, app.config().limits().maxPartIdLength());
        } catch (InspectionException e) {
            return null;
        }
    }

    /**
     * Scores the images of a batch: all are submitted first (so they can share engine batches), then every one is
     * answered in request order, a failure becoming that image's error entry (and a rejected-request count).
     */
    public Batch inspectBatch(List<? extends Image> images, String partId) throws IOException {
        return inspectBatch(images, partId, null);
    }

    /** As {@link #inspectBatch(List, String)} with recipe {@code recipe} (null: appliance.recipes.default, if set). */
    public Batch inspectBatch(List<? extends Image> images, String partId, String recipe) throws IOException {
        List<Object> submitted = new ArrayList<>();
        for (Image image : images) {
            try {
                byte[] bytes = image.read();
                submitted.add(pipeline().submit(bytes, image.source(), partId, recipe));
            } catch (InspectionException e) {
                submitted.add(e);
            }
        }
        List<Object> results = new ArrayList<>();
        int failed = 0;
        for (int i = 0; i < submitted.size(); i++) {
            try {
                if (submitted.get(i) instanceof InspectionException e) throw e;
                results.add(pipeline().await((InspectionService.Pending) submitted.get(i)));
            } catch (InspectionException e) {
                failed++;
                String kind = e.kind().name().toLowerCase();
                rejected(kind);
                results.add(new ImageError(images.get(i).source(), kind, e.getMessage()));
            }
        }
        return new Batch(results.size(), failed, results);
    }

    /** A recent result (the last app.results.capacity are kept). */
    public InspectionResult recent(String id) {
        return pipeline().store().get(id).orElseThrow(() -> new NotFound("no recent inspection with id '" + id
                + "' (only the last " + app.config().results().capacity() + " are kept)"));
    }

    /** A recent result's anomaly map as a jet overlay PNG on its input, on the serving model's (or its recipe's) colour scale. */
    public byte[] heatmapPng(String id) {
        InspectionResult r = recent(id);
        return Heatmap.overlayPng(r.resized(), r.anomalyMap(), ResultRouter.overlayRange(app.current(), r), Heatmap.DEFAULT_OPACITY);
    }

    /**
     * A recent result's smoothed anomaly map, little-endian float32 .npy bytes: [S,S], or [height, width] over the whole
     * original image (downscaled, see appliance.recipes.max-map-side) for a recipe with a region of interest or tiles.
     */
    public byte[] anomalyMapNpy(String id) throws IOException {
        InspectionResult r = recent(id);
        Path tmp = Files.createTempFile("map", ".npy");
        try {
            Npy.writeFloat32(tmp, new long[] {r.map().height(), r.map().width()}, r.anomalyMap());
            return Files.readAllBytes(tmp);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Counts a request refused before inference; reason e.g. queue_full, too_large, unprocessable, deadline. */
    public void rejected(String reason) {
        ApplianceMetrics metrics = app.metrics();
        if (metrics != null) metrics.rejected(reason);
    }

    private InspectionService pipeline() {
        InspectionService s = app.inspections();
        if (s == null) throw new InspectionException(ErrorCode.NOT_SERVING, "the appliance is not serving");
        return s;
    }
}
