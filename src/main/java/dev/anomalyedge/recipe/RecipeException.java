package dev.anomalyedge.recipe;

/** A recipe request that cannot be honoured as given: a bad name, bad settings, images that do not fit them. */
public final class RecipeException extends IllegalArgumentException {
    public RecipeException(String message) {
        super(message);
    }

    public RecipeException(String message, Throwable cause) {
        super(message, cause);
    }
}
