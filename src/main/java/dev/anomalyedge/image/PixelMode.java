package dev.anomalyedge.image;

/**
 * Pillow image modes this package reproduces. The mode decides how Pillow resizes an image
 * ({@link PillowImage#resize}) and how {@code convert('RGB')} / {@code convert('L')} map it.
 */
public enum PixelMode {
    /** Pillow "1": bilevel, stored as 0 / 255 (Pillow's internal convention); resized with nearest neighbour. */
    BILEVEL("1", 1),
    /** Pillow "L": 8-bit grey. */
    L("L", 1),
    /** Pillow "LA": 8-bit grey + alpha; resized with premultiplied alpha like RGBA. */
    LA("LA", 2),
    /** Pillow "RGB": 8-bit per channel. */
    RGB("RGB", 3),
    /** Pillow "RGBA": 8-bit per channel + alpha; resized with premultiplied alpha. */
    RGBA("RGBA", 4),
    /** Pillow "P": 8-bit palette indices + an RGB palette; resized with nearest neighbour. */
    P("P", 1),
    /** Pillow "I;16": 16-bit unsigned grey. */
    I16("I;16", 1);

    private final String pillowName;
    private final int bands;

    PixelMode(String pillowName, int bands) {
        this.pillowName = pillowName;
        this.bands = bands;
    }

    /** The mode string Pillow prints ({@code im.mode}). */
    public String pillowName() { return pillowName; }

    /** Samples per pixel in {@link PillowImage}'s interleaved storage. */
    public int bands() { return bands; }
}
