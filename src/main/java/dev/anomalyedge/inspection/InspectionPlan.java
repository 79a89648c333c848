package dev.anomalyedge.inspection;

import dev.anomalyedge.image.PillowImage;

import java.util.List;

/**
 * How one inspection is scored when a recipe is selected (without one the pipeline takes today's whole-image zero-shot
 * path): which images the engine sees (the decoded image cropped to a region of interest and cut into tiles, each then
 * resized like a whole image), how their scores are computed on the inference thread (e.g. against a memory bank for
 * that exact model), the threshold that judges them, and how the tiles' maps are put back together.
 */
public interface InspectionPlan {

    /** The recipe's name, reported in the result. */
    String recipe();

    /** Requests with equal keys (and the same model) may share an engine batch. */
    Object batchKey();

    /** Whether the image must be decoded at full resolution (a region of interest or tiles need the original pixels). */
    boolean fullResolution();

    /** Crops and cuts a decoded image; an image the recipe does not fit (ROI outside it) is an {@link InspectionException}. */
    Cut cut(PillowImage decoded, String source);

    /**
     * Scores tiles (each [3, S, S]) of one or more requests on the inference thread, which holds {@code model}'s engine
     * (see {@link LoadedModel#withEngine}); in order.
     */
    Scoring score(LoadedModel model, List<float[]> tiles, int maxBatch);

    /** Tile scores and the image threshold that applies to them (null: uncalibrated). */
    record Scoring(List<EngineBatches.Scored> tiles, Double threshold) {}

    /**
     * One image cut into tiles: the tiles as images, to be prepared exactly like a whole image
     * ({@link Preprocessing#prepare(PillowImage)}) and then dropped, and what puts their maps back together.
     */
    record Cut(List<PillowImage> tiles, Stitcher stitcher) {}

    /** Puts the tiles' scores and maps [S·S] back together over the image. */
    interface Stitcher {
        /** @param first the first tile's S×S picture (the overlay's base when the image is one tile) */
        Stitched stitch(List<EngineBatches.Scored> tiles, PillowImage first, int s);
    }

    /**
     * An image's score and map after stitching.
     *
     * @param map  [height, width] over the original image (downscaled), or the S×S map without ROI and tiles
     * @param base the picture under the map, same size (the heatmap overlay's base)
     */
    record Stitched(float score, float[] map, int width, int height, PillowImage base) {}
}
