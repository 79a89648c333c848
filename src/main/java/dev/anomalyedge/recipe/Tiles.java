package dev.anomalyedge.recipe;

/**
 * Tiling: the (cropped) image is cut into {@code rows × cols} tiles that overlap their neighbours by {@code overlap}
 * (a fraction of the tile side), each tile is resized to the model input like a whole image would be, and the maps are
 * stitched back ({@link Tiling}).
 */
public record Tiles(int rows, int cols, double overlap) {
    /** The most tiles on a side (64 tiles an image at most). */
    public static final int MAX_SIDE = 8;

    public Tiles {
        if (rows < 1 || cols < 1 || rows > MAX_SIDE || cols > MAX_SIDE) {
            throw new RecipeException("tiles: rows and cols must be in 1.." + MAX_SIDE + ", got " + rows + "x" + cols);
        }
        if (!(overlap >= 0 && overlap <= 0.5)) throw new RecipeException("tiles: overlap must be in [0, 0.5], got " + overlap);
    }

    public int count() { return rows * cols; }

    /** {@code "RxC"} or {@code "RxC:overlap"} as the command line writes it (overlap default 0.1 with more than one tile). */
    public static Tiles parse(String text) {
        String[] p = text.split(":", 2);
        String[] rc = p[0].toLowerCase(java.util.Locale.ROOT).split("x");
        if (rc.length != 2) throw new RecipeException("tiles must be RxC or RxC:overlap, got '" + text + "'");
        try {
            int r = Integer.parseInt(rc[0].trim()), c = Integer.parseInt(rc[1].trim());
            double overlap = p.length == 2 ? Double.parseDouble(p[1].trim()) : (r * c > 1 ? 0.1 : 0);
            return new Tiles(r, c, overlap);
        } catch (NumberFormatException e) {
            throw new RecipeException("tiles must be RxC or RxC:overlap with numbers, got '" + text + "'");
        }
    }
}
