package dev.anomalyedge.metrics;

import java.util.Arrays;

/**
 * Connected-component labelling of a 2-D binary mask with 8-connectivity (the default, "full" connectivity of
 * {@code skimage.measure.label} for 2-D input): two foreground pixels belong to the same region when they touch by
 * an edge or by a corner. Background is 0; every non-zero pixel is foreground.
 *
 * <p>Breadth-first flood fill over int arrays, O(height·width) time. The BFS queue is kept: it lists the pixels
 * region by region, so the caller gets each region's pixels without a second pass.
 */
public final class ConnectedComponents {
    private ConnectedComponents() {}

    /**
     * The labelled mask.
     *
     * @param count  number of regions; regions are numbered 1..count in raster order of their first (top-most,
     *               then left-most) pixel, like skimage
     * @param labels [height·width] row-major, 0 for background, else the region number
     * @param pixels row-major indices of all foreground pixels, grouped by region (region r occupies
     *               {@code pixels[start[r-1] .. start[r]-1]})
     * @param start  [count+1] offsets into {@code pixels}
     */
    public record Components(int count, int[] labels, int[] pixels, int[] start) {
        /** Number of pixels of region {@code r} (1-based). */
        public int area(int r) {
            if (r < 1 || r > count) throw new IndexOutOfBoundsException("region " + r + " of " + count);
            return start[r] - start[r - 1];
        }
    }

    /**
     * Labels {@code mask} ([height·width], row-major; non-zero = foreground).
     *
     * @throws IllegalArgumentException if the mask length is not height·width
     */
    public static Components label(byte[] mask, int height, int width) {
        if (height <= 0 || width <= 0) {
            throw new IllegalArgumentException("mask size must be positive, found " + height + "x" + width);
        }
        if (mask.length != (long) height * width) {
            throw new IllegalArgumentException("mask has " + mask.length + " pixels, expected " + height + "x" + width
                    + " = " + (long) height * width);
        }
        int foreground = 0;
        for (byte m : mask) if (m != 0) foreground++;

        int[] labels = new int[mask.length];
        int[] pixels = new int[foreground]; // BFS queue, filled region after region
        int[] start = new int[foreground + 1]; // at most one region per foreground pixel
        int count = 0;
        int tail = 0;
        for (int seed = 0; seed < mask.length; seed++) {
            if (mask[seed] == 0 || labels[seed] != 0) continue;
            count++;
            start[count - 1] = tail;
            labels[seed] = count;
            pixels[tail++] = seed;
            for (int head = start[count - 1]; head < tail; head++) {
                int p = pixels[head];
                int y = p / width, x = p % width;
                for (int ny = Math.max(0, y - 1); ny <= Math.min(height - 1, y + 1); ny++) {
                    for (int nx = Math.max(0, x - 1); nx <= Math.min(width - 1, x + 1); nx++) {
                        int q = ny * width + nx;
                        if (mask[q] != 0 && labels[q] == 0) {
                            labels[q] = count;
                            pixels[tail++] = q;
                        }
                    }
                }
            }
        }
        start[count] = tail;
        return new Components(count, labels, pixels, Arrays.copyOf(start, count + 1));
    }
}
