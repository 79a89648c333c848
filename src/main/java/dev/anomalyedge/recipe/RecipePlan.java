package dev.anomalyedge.recipe;

import dev.anomalyedge.fewshot.FewShotScorer;
import dev.anomalyedge.image.PillowImage;
import dev.anomalyedge.image.PillowResample;
import dev.anomalyedge.inspection.EngineBatches;
import dev.anomalyedge.inspection.ErrorCode;
import dev.anomalyedge.inspection.InspectionException;
import dev.anomalyedge.inspection.InspectionPlan;
import dev.anomalyedge.inspection.LoadedModel;

import java.util.ArrayList;
import java.util.List;

/**
 * An inspection with a recipe: the image is cropped to the ROI and cut into tiles ({@link RecipeBook#cut}), the tiles
 * are scored against the recipe's bank for the model that runs them (few-shot, fused with zero-shot by default), the
 * image score is the largest tile score and is judged by the recipe's threshold. With a ROI or tiles the map is
 * stitched over the whole original image ({@link Tiling#stitch}, long side at most {@code maxMapSide}), under the
 * image downscaled to the same size; without either it is the S×S map under the S×S picture, as without a recipe.
 */
public final class RecipePlan implements InspectionPlan {
    private final Recipe recipe;
    private final RecipeBook book;
    private final int maxMapSide;

    RecipePlan(Recipe recipe, RecipeBook book, int maxMapSide) {
        this.recipe = recipe;
        this.book = book;
        this.maxMapSide = maxMapSide;
    }

    @Override
    public String recipe() { return recipe.name(); }

    @Override
    public Object batchKey() { return recipe.id(); }

    @Override
    public boolean fullResolution() { return recipe.settings().roi() != null || recipe.settings().tiles() != null; }

    @Override
    public Cut cut(PillowImage decoded, String source) {
        RecipeSettings s = recipe.settings();
        List<PillowImage> tiles;
        Tiling.Rect region;
        try {
            region = RecipeBook.region(decoded, s, source);
            tiles = RecipeBook.cut(decoded, s, source);
        } catch (RecipeException e) {
            throw new InspectionException(ErrorCode.BAD_REQUEST, "recipe " + recipe.name() + ": " + e.getMessage(), e);
        }
        if (!fullResolution()) return new Cut(tiles, RecipePlan::whole);
        int[] grid = Tiling.gridSize(decoded.width(), decoded.height(), maxMapSide);
        // the overlay's base, made now so that the full-resolution image is garbage while the tiles wait for the engine
        PillowImage base = decoded.resize(grid[0], grid[1], PillowResample.Filter.BILINEAR).toRgb();
        List<Tiling.Rect> rects = s.tiles() == null ? List.of(new Tiling.Rect(0, 0, region.width(), region.height()))
                : Tiling.layout(region.width(), region.height(), s.tiles());
        return new Cut(tiles, new Stitching(rects, region, decoded.width(), decoded.height(), base));
    }

    @Override
    public Scoring score(LoadedModel model, List<float[]> tiles, int maxBatch) {
        RecipeBook.Prepared p = book.prepare(recipe, model);
        FewShotScorer scorer = new FewShotScorer(model.engine(), model.bundle().settings(), maxBatch);
        List<EngineBatches.Scored> out = new ArrayList<>(tiles.size());
        for (FewShotScorer.Scored s : scorer.score(tiles, p.bank(), recipe.settings().mode().scorer())) {
            out.add(new EngineBatches.Scored(s.score(), s.map()));
        }
        return new Scoring(out, p.info().threshold());
    }

    /** An image's score: the largest tile score. */
    static float maxScore(List<EngineBatches.Scored> tiles) {
        float max = Float.NEGATIVE_INFINITY;
        for (EngineBatches.Scored t : tiles) max = Math.max(max, t.score());
        return max;
    }

    /** The whole image as one tile: the S×S map under the S×S picture. */
    private static Stitched whole(List<EngineBatches.Scored> scored, PillowImage first, int s) {
        return new Stitched(scored.get(0).score(), scored.get(0).map(), s, s, first);
    }

    private record Stitching(List<Tiling.Rect> rects, Tiling.Rect region, int frameWidth, int frameHeight, PillowImage base)
            implements Stitcher {
        @Override
        public Stitched stitch(List<EngineBatches.Scored> scored, PillowImage first, int s) {
            List<float[]> maps = scored.stream().map(EngineBatches.Scored::map).toList();
            float[] map = Tiling.stitch(maps, s, rects, region.x(), region.y(), frameWidth, frameHeight, base.width(), base.height());
            return new Stitched(maxScore(scored), map, base.width(), base.height(), base);
        }
    }
}
