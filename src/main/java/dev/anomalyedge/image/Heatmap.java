package dev.anomalyedge.image;

/**
 * Renders an anomaly map {@code [height, width]} (row-major) for people: a jet-coloured overlay on the picture the
 * model saw, or a plain grey map. Values are first mapped to [0, 1] with a {@link Range} — the map's own min/max
 * (what AnomalyCLIP's visualisation does per image) or a fixed range (comparable colours across images).
 */
public final class Heatmap {
    private Heatmap() {}

    /** Default weight of the heat colours in the overlay (AnomalyCLIP blends image and colour map half and half). */
    public static final float DEFAULT_OPACITY = 0.5f;

    /** Normalisation {@code t = clamp((v − low) / (high − low), 0, 1)}; an empty range maps everything to 0. */
    public static final class Range {
        private final float low;
        private final float high;

        private Range(float low, float high) {
            if (!Float.isFinite(low) || !Float.isFinite(high)) throw new IllegalArgumentException("range [" + low + ", " + high + "] must be finite");
            this.low = low;
            this.high = high;
        }

        public static Range fixed(float low, float high) {
            if (high < low) throw new IllegalArgumentException("range high " + high + " is below low " + low);
            return new Range(low, high);
        }

        /**
         * 0 → twice {@code mapThreshold}, the map value of a recipe's threshold: the threshold sits mid-scale (green),
         * what is well below it blue, twice it and more red. Recipe maps have their own units (few-shot distances),
         * so the model's fixed 0 → upper-bound scale would leave them all blue or all red.
         */
        public static Range aroundThreshold(double mapThreshold) {
            if (!(mapThreshold > 0) || !Double.isFinite(mapThreshold)) {
                throw new IllegalArgumentException("a map threshold must be positive and finite, got " + mapThreshold);
            }
            return new Range(0, (float) (2 * mapThreshold));
        }

        /** The min and max of the finite values of {@code map} (0..0 when there are none). */
        public static Range of(float[] map) {
            float lo = Float.POSITIVE_INFINITY;
            float hi = Float.NEGATIVE_INFINITY;
            for (float v : map) {
                if (!Float.isFinite(v)) continue;
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
            return lo > hi ? new Range(0, 0) : new Range(lo, hi);
        }

        public float low() { return low; }

        public float high() { return high; }

        public float normalise(float v) {
            if (!(high > low) || Float.isNaN(v)) return 0f;
            float t = (v - low) / (high - low);
            return t < 0f ? 0f : Math.min(t, 1f);
        }
    }

    /**
     * The map coloured with {@link #jet} and blended over {@code base}:
     * {@code out = round((1 − opacity)·base + opacity·jet(t))} per channel.
     *
     * @param base    the picture the model saw ({@code Preprocessor.resizeRgb}), any mode (converted to RGB)
     * @param map     {@code [base.height, base.width]} anomaly values
     * @param opacity weight of the colours, 0..1
     */
    public static PillowImage overlay(PillowImage base, float[] map, Range range, float opacity) {
        if (!(opacity >= 0f && opacity <= 1f)) throw new IllegalArgumentException("opacity " + opacity + " outside [0, 1]");
        checkLength(map, base.width(), base.height());
        byte[] rgb = base.toRgb().samples();
        byte[] out = new byte[rgb.length];
        int[] heat = new int[3];
        for (int i = 0; i < map.length; i++) {
            jet(range.normalise(map[i]), heat);
            for (int c = 0; c < 3; c++) {
                float v = (1f - opacity) * (rgb[3 * i + c] & 0xff) + opacity * heat[c];
                out[3 * i + c] = (byte) Math.min(255, Math.round(v));
            }
        }
        return PillowImage.wrap(PixelMode.RGB, base.width(), base.height(), out);
    }

    public static byte[] overlayPng(PillowImage base, float[] map, Range range, float opacity) {
        return ImageEncoder.png(overlay(base, map, range, opacity));
    }

    /** The map as an 8-bit grey image: {@code round(255·t)}. */
    public static PillowImage grey(float[] map, int width, int height, Range range) {
        checkLength(map, width, height);
        byte[] out = new byte[map.length];
        for (int i = 0; i < map.length; i++) out[i] = (byte) Math.round(255f * range.normalise(map[i]));
        return PillowImage.wrap(PixelMode.L, width, height, out);
    }

    public static byte[] greyPng(float[] map, int width, int height, Range range) {
        return ImageEncoder.png(grey(map, width, height, range));
    }

    /**
     * The classic jet colour map (dark blue → blue → cyan → yellow → red → dark red), piecewise linear:
     * {@code R = clamp(1.5 − |4t − 3|)}, {@code G = clamp(1.5 − |4t − 2|)}, {@code B = clamp(1.5 − |4t − 1|)},
     * scaled to 0..255 into {@code rgb}. Close to, not identical with, OpenCV's {@code COLORMAP_JET}.
     */
    public static void jet(float t, int[] rgb) {
        rgb[0] = channel(1.5f - Math.abs(4f * t - 3f));
        rgb[1] = channel(1.5f - Math.abs(4f * t - 2f));
        rgb[2] = channel(1.5f - Math.abs(4f * t - 1f));
    }

    private static int channel(float v) {
        return Math.round(255f * (v < 0f ? 0f : Math.min(v, 1f)));
    }

    private static void checkLength(float[] map, int width, int height) {
        if (width < 1 || height < 1 || map.length != (long) width * height) {
            throw new IllegalArgumentException("anomaly map of " + map.length + " values does not match " + width + "x" + height);
        }
    }
}
