package dev.anomalyedge.metrics;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ConnectedComponentsTest {

    /** Parses rows of '#' (foreground) and '.' into a row-major mask. */
    static byte[] mask(String... rows) {
        byte[] m = new byte[rows.length * rows[0].length()];
        for (int y = 0; y < rows.length; y++) {
            for (int x = 0; x < rows[y].length(); x++) m[y * rows[0].length() + x] = (byte) (rows[y].charAt(x) == '#' ? 1 : 0);
        }
        return m;
    }

    /**
     * Diagonal neighbours join (8-connectivity): 4 regions here, 6 with 4-connectivity. Numbered in raster order of
     * their first pixel: A (0,0)+(1,1), B (0,4)+(1,3), C (3,0)+(3,1), D (4,4).
     */
    @Test
    void diagonalsJoinAndRasterOrderNumbering() {
        byte[] m = mask(
                "#...#",
                ".#.#.",
                ".....",
                "##...",
                "....#");
        ConnectedComponents.Components c = ConnectedComponents.label(m, 5, 5);
        assertEquals(4, c.count());
        assertArrayEquals(new int[] {
                1, 0, 0, 0, 2,
                0, 1, 0, 2, 0,
                0, 0, 0, 0, 0,
                3, 3, 0, 0, 0,
                0, 0, 0, 0, 4}, c.labels());
        assertEquals(2, c.area(1));
        assertEquals(2, c.area(2));
        assertEquals(2, c.area(3));
        assertEquals(1, c.area(4));
        // region pixel lists agree with the labels
        for (int r = 1; r <= c.count(); r++) {
            for (int k = c.start()[r - 1]; k < c.start()[r]; k++) assertEquals(r, c.labels()[c.pixels()[k]]);
        }
    }

    /** A ring with a hole is one region; a chain of anti-diagonal steps is one region; hole pixels are background. */
    @Test
    void ringAndAntiDiagonalChain() {
        byte[] m = mask(
                "###....#",
                "#.#...#.",
                "###..#..",
                "....#...");
        ConnectedComponents.Components c = ConnectedComponents.label(m, 4, 8);
        assertEquals(2, c.count());
        assertEquals(8, c.area(1));
        assertEquals(4, c.area(2));
        assertEquals(0, c.labels()[1 * 8 + 1]);
        assertEquals(2, c.labels()[3 * 8 + 4]);
        // one step closer, the chain's last pixel touches the ring's corner diagonally: one region
        assertEquals(1, ConnectedComponents.label(mask(
                "###...#",
                "#.#..#.",
                "###.#..",
                "...#..."), 4, 7).count());
    }

    @Test
    void emptyFullAndNonSquare() {
        ConnectedComponents.Components empty = ConnectedComponents.label(new byte[6], 2, 3);
        assertEquals(0, empty.count());
        assertArrayEquals(new int[6], empty.labels());
        byte[] full = new byte[12];
        Arrays.fill(full, (byte) 1);
        ConnectedComponents.Components all = ConnectedComponents.label(full, 3, 4);
        assertEquals(1, all.count());
        assertEquals(12, all.area(1));
        assertEquals(3, ConnectedComponents.label(mask("#.#.#"), 1, 5).count());
        assertEquals(2, ConnectedComponents.label(mask("#", ".", "#"), 3, 1).count());
        // (0,2) and (1,0) are neighbours in memory but not in the image: no wrap-around at row ends
        assertEquals(2, ConnectedComponents.label(mask("..#", "#.."), 2, 3).count());
        assertEquals(1, ConnectedComponents.label(mask(".#.", "#.."), 2, 3).count());
    }

    @Test
    void wrongSizeIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> ConnectedComponents.label(new byte[5], 2, 3));
        assertThrows(IllegalArgumentException.class, () -> ConnectedComponents.label(new byte[0], 0, 3));
    }
}
