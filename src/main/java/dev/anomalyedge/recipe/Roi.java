package dev.anomalyedge.recipe;

/**
 * A region of interest: a rectangle in original-image pixels ({@code x, y} the top-left corner, inclusive). The image
 * is cropped to it right after decoding, before any resize, so the model sees only the part that matters at the best
 * resolution it can.
 */
public record Roi(int x, int y, int width, int height) {
    public Roi {
        if (x < 0 || y < 0) throw new RecipeException("roi: x and y must be >= 0, got " + x + ", " + y);
        if (width < 1 || height < 1) throw new RecipeException("roi: width and height must be >= 1, got " + width + "x" + height);
        if ((long) x + width > Integer.MAX_VALUE || (long) y + height > Integer.MAX_VALUE) throw new RecipeException("roi too large");
    }

    /** {@code "x,y,w,h"} as the command line writes it. */
    public static Roi parse(String text) {
        String[] p = text.split(",");
        if (p.length != 4) throw new RecipeException("roi must be x,y,width,height, got '" + text + "'");
        try {
            return new Roi(Integer.parseInt(p[0].trim()), Integer.parseInt(p[1].trim()), Integer.parseInt(p[2].trim()),
                    Integer.parseInt(p[3].trim()));
        } catch (NumberFormatException e) {
            throw new RecipeException("roi must be four integers x,y,width,height, got '" + text + "'");
        }
    }

    /** Throws a {@link RecipeException} unless the rectangle lies inside an image of {@code imageWidth × imageHeight}. */
    public void checkInside(int imageWidth, int imageHeight, String image) {
        if (x + width > imageWidth || y + height > imageHeight) {
            throw new RecipeException("roi " + x + "," + y + "," + width + "," + height + " reaches outside " + image + " ("
                    + imageWidth + "x" + imageHeight + ")");
        }
    }
}
