package dev.anomalyedge.recipe;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.anomalyedge.fewshot.FewShotScorer;

import java.util.Locale;

/**
 * What a recipe does with its reference images: {@code k} of them (the first k by file name; null = all) form the
 * memory bank, an optional {@link Roi} and {@link Tiles}, the scoring {@link Mode}, and an optional bound on the bank's
 * patches per tap ({@code maxPatches}, chosen by greedy coreset selection; null = every patch).
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.ALWAYS)
public record RecipeSettings(Integer k, Roi roi, Tiles tiles, Mode mode, Integer maxPatches) {
    /** Reference images × tiles that may form one bank: bounds its memory (full size: 8.4 MB float16 per image tile). */
    public static final int MAX_BANK_TILES = 64;

    @JsonCreator
    public RecipeSettings {
        if (k != null && k < 1) throw new RecipeException("k must be >= 1, got " + k);
        if (maxPatches != null && maxPatches < 1) throw new RecipeException("max_patches must be >= 1, got " + maxPatches);
        if (mode == null) mode = Mode.FUSED;
    }

    /** Settings without a coreset bound. */
    public RecipeSettings(Integer k, Roi roi, Tiles tiles, Mode mode) {
        this(k, roi, tiles, mode, null);
    }

    public static RecipeSettings defaults() { return new RecipeSettings(null, null, null, Mode.FUSED); }

    /** The coreset bound for the bank builder: {@code maxPatches}, or 0 for every patch. */
    public int coresetBound() { return maxPatches == null ? 0 : maxPatches; }

    /**
     * Settings from JSON {@code {"k", "roi": {"x", "y", "width", "height"}, "tiles": {"rows", "cols", "overlap"}, "mode",
     * "max_patches"}}
     * (each optional; null or blank text = defaults); unknown fields and bad values are a {@link RecipeException}.
     */
    public static RecipeSettings parse(String json) {
        if (json == null || json.isBlank()) return defaults();
        try {
            RecipeSettings s = RecipeStore.JSON.readValue(json, RecipeSettings.class);
            return s == null ? defaults() : s;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            Throwable t = e;
            while (t.getCause() != null && !(t instanceof RecipeException)) t = t.getCause();
            throw new RecipeException(t instanceof RecipeException ? t.getMessage() : "settings: " + e.getOriginalMessage(), e);
        }
    }

    /** The number of tiles an image is cut into (1 without tiling). */
    public int tileCount() { return tiles == null ? 1 : tiles.count(); }

    /** The bank size in images for {@code references} reference images; throws when k exceeds them or the bank is too big. */
    public int bankImages(int references) {
        int n = k == null ? references : k;
        if (n > references) throw new RecipeException("k = " + n + " but only " + references + " good images were given");
        if ((long) n * tileCount() > MAX_BANK_TILES) {
            throw new RecipeException("k × tiles = " + n + " × " + tileCount() + " exceeds " + MAX_BANK_TILES + " image tiles per bank");
        }
        return n;
    }

    /** The scoring a recipe reports (the few-shot signal fused with the zero-shot one, or the few-shot one alone). */
    public enum Mode {
        FUSED(FewShotScorer.Mode.FUSED), FEW_SHOT(FewShotScorer.Mode.FEW_SHOT);

        private final FewShotScorer.Mode scorer;

        Mode(FewShotScorer.Mode scorer) { this.scorer = scorer; }

        public FewShotScorer.Mode scorer() { return scorer; }

        @JsonValue
        public String id() { return name().toLowerCase(Locale.ROOT); }

        @JsonCreator
        public static Mode of(String id) {
            for (Mode m : values()) if (m.id().equals(id)) return m;
            throw new RecipeException("mode must be fused or few_shot, got '" + id + "'");
        }
    }
}
