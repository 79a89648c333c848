package dev.anomalyedge.recipe;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import java.util.List;

/**
 * A recipe as stored in {@code <recipes>/<name>/recipe.json}: its reference images (kept as uploaded under
 * {@code references/}, so banks can be rebuilt for another model), optional validation images ({@code validation/},
 * good parts used for the threshold), and settings. {@code id} changes when a recipe is replaced, so that a bank
 * built from the old images is never taken for the new ones.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.ALWAYS)
public record Recipe(String name, String id, String createdAt, RecipeSettings settings, List<String> references,
                     List<String> validation) {
    public Recipe {
        references = List.copyOf(references);
        validation = validation == null ? List.of() : List.copyOf(validation);
        if (settings == null) settings = RecipeSettings.defaults();
    }

    /** Reference images in the bank (the first k). */
    public int bankImages() { return settings.bankImages(references.size()); }
}
