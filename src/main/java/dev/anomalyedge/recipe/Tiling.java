package dev.anomalyedge.recipe;

import dev.anomalyedge.image.PillowImage;
import dev.anomalyedge.image.PixelMode;

import java.util.ArrayList;
import java.util.List;

/**
 * Tile geometry: where the tiles of a region lie, cutting them out of the decoded image, and stitching their maps back
 * into one map over the whole original image.
 *
 * <p>Layout along one axis of length L with n tiles overlapping by a fraction o of the tile side:
 * <pre>
 *   t   = ⌈L / (1 + (n − 1)(1 − o))⌉          tile side (so that n tiles stepping by t(1 − o) cover L)
 *   x_i = round(i · (L − t) / (n − 1))        start of tile i (first at 0, last ends at L)
 * </pre>
 * Stitching: each tile's S×S map is read back bilinearly at tile-pixel positions (half-pixel centres, like
 * {@code interpolate(align_corners=False)}), overlapping tiles are averaged, and the result is written on a grid over
 * the <em>whole original image</em> (pixels outside the region of interest are 0), downscaled so that its long side is
 * at most {@code maxSide} (a 2000 × 2000 image at 1024 gives a 1024 × 1024 map, 4 MB instead of 16 MB).
 */
public final class Tiling {
    private Tiling() {}

    /** A rectangle in pixels; {@code x, y} the top-left corner. */
    public record Rect(int x, int y, int width, int height) {}

    /** The tiles of a {@code width × height} region, row by row. */
    public static List<Rect> layout(int width, int height, Tiles tiles) {
        int[][] xs = axis(width, tiles.cols(), tiles.overlap(), "width");
        int[][] ys = axis(height, tiles.rows(), tiles.overlap(), "height");
        List<Rect> out = new ArrayList<>(tiles.count());
        for (int[] y : ys) for (int[] x : xs) out.add(new Rect(x[0], y[0], x[1], y[1]));
        return out;
    }

    /** {start, side} of the n tiles along an axis of {@code length}. */
    static int[][] axis(int length, int n, double overlap, String what) {
        if (length < n) throw new RecipeException("the region's " + what + " of " + length + " px is too small for " + n + " tiles");
        int side = (int) Math.min(length, Math.ceil(length / (1 + (n - 1) * (1 - overlap)) - 1e-9));
        int[][] out = new int[n][];
        for (int i = 0; i < n; i++) {
            int start = n == 1 ? 0 : (int) Math.round(i * (double) (length - side) / (n - 1));
            out[i] = new int[] {start, side};
        }
        return out;
    }

    /** The part {@code r} of {@code image}, in the image's own mode (so it resizes exactly like a whole image would). */
    public static PillowImage crop(PillowImage image, Rect r) {
        if (r.x() < 0 || r.y() < 0 || r.x() + r.width() > image.width() || r.y() + r.height() > image.height()) {
            throw new RecipeException("crop " + r + " outside the " + image.width() + "x" + image.height() + " image");
        }
        if (r.x() == 0 && r.y() == 0 && r.width() == image.width() && r.height() == image.height()) return image;
        if (image.mode() == PixelMode.I16) {
            short[] src = image.samples16(), out = new short[r.width() * r.height()];
            for (int y = 0; y < r.height(); y++) System.arraycopy(src, (r.y() + y) * image.width() + r.x(), out, y * r.width(), r.width());
            return PillowImage.grey16(r.width(), r.height(), out);
        }
        int bands = image.mode() == PixelMode.P ? 1 : image.mode().bands();
        byte[] src = image.samples(), out = new byte[r.width() * r.height() * bands];
        for (int y = 0; y < r.height(); y++) {
            System.arraycopy(src, ((r.y() + y) * image.width() + r.x()) * bands, out, y * r.width() * bands, r.width() * bands);
        }
        if (image.mode() == PixelMode.P) return PillowImage.palette(r.width(), r.height(), out, image.palette());
        return PillowImage.of(image.mode(), r.width(), r.height(), out);
    }

    /** Side lengths of the stitched grid over a {@code frameWidth × frameHeight} image: long side at most {@code maxSide}. */
    public static int[] gridSize(int frameWidth, int frameHeight, int maxSide) {
        double f = Math.min(1.0, maxSide / (double) Math.max(frameWidth, frameHeight));
        return new int[] {Math.max(1, (int) Math.round(frameWidth * f)), Math.max(1, (int) Math.round(frameHeight * f))};
    }

    /**
     * The tiles' maps stitched into one map [gridHeight, gridWidth] over the whole {@code frameWidth × frameHeight}
     * image.
     *
     * @param maps    each tile's map [S, S], in the order of {@code tiles}
     * @param tiles   the tiles in region coordinates
     * @param regionX where the region starts in the image (the ROI's corner; 0 without one)
     */
    public static float[] stitch(List<float[]> maps, int s, List<Rect> tiles, int regionX, int regionY, int frameWidth,
                                 int frameHeight, int gridWidth, int gridHeight) {
        if (maps.size() != tiles.size()) throw new IllegalArgumentException(maps.size() + " maps for " + tiles.size() + " tiles");
        double[] sum = new double[gridWidth * gridHeight];
        int[] count = new int[gridWidth * gridHeight];
        double sx = frameWidth / (double) gridWidth, sy = frameHeight / (double) gridHeight; // image pixels per grid cell
        for (int t = 0; t < tiles.size(); t++) {
            Rect r = tiles.get(t);
            float[] m = maps.get(t);
            if (m.length != s * s) throw new IllegalArgumentException("tile map " + t + " has " + m.length + " values, not " + s + "²");
            double x0 = regionX + r.x(), y0 = regionY + r.y();
            // grid cells whose centre (u + 0.5)·sx lies in [x0, x0 + width)
            int u0 = Math.max(0, (int) Math.ceil(x0 / sx - 0.5)), u1 = Math.min(gridWidth, (int) Math.ceil((x0 + r.width()) / sx - 0.5));
            int v0 = Math.max(0, (int) Math.ceil(y0 / sy - 0.5)), v1 = Math.min(gridHeight, (int) Math.ceil((y0 + r.height()) / sy - 0.5));
            for (int v = v0; v < v1; v++) {
                double ly = ((v + 0.5) * sy - y0) * s / r.height() - 0.5; // position in the tile map, half-pixel centres
                for (int u = u0; u < u1; u++) {
                    double lx = ((u + 0.5) * sx - x0) * s / r.width() - 0.5;
                    sum[v * gridWidth + u] += bilinear(m, s, lx, ly);
                    count[v * gridWidth + u]++;
                }
            }
        }
        float[] out = new float[sum.length];
        for (int i = 0; i < out.length; i++) out[i] = count[i] == 0 ? 0f : (float) (sum[i] / count[i]);
        return out;
    }

    /** {@code m} [s, s] at (x, y), bilinear, clamped at the edges. */
    static double bilinear(float[] m, int s, double x, double y) {
        x = Math.min(Math.max(x, 0), s - 1);
        y = Math.min(Math.max(y, 0), s - 1);
        int x0 = (int) Math.floor(x), y0 = (int) Math.floor(y);
        int x1 = Math.min(x0 + 1, s - 1), y1 = Math.min(y0 + 1, s - 1);
        double fx = x - x0, fy = y - y0;
        double top = m[y0 * s + x0] * (1 - fx) + m[y0 * s + x1] * fx;
        double bottom = m[y1 * s + x0] * (1 - fx) + m[y1 * s + x1] * fx;
        return top * (1 - fy) + bottom * fy;
    }
}
