package dev.anomalyedge.evaluation;

import dev.anomalyedge.bundle.CalibrationRecord;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * OK/NG thresholds for a bundle from a validation set (the inspection service flags a part NG when
 * {@code score >= image_threshold}, and counts map pixels {@code >= pixel_threshold} as defective).
 *
 * <p><b>Good images only</b> ({@link Method#GOOD_QUANTILE}, target false-alarm rate r). With n good scores sorted
 * s₀ ≤ … ≤ s₍ₙ₋₁₎, at most k = ⌊r·n⌋ good parts may be flagged. For k ≥ 1 the threshold is the lowest one that flags
 * at most k of them: the midpoint between s₍ₙ₋ₖ₋₁₎ and s₍ₙ₋ₖ₎ (moved up past ties), i.e. the (1 − r) quantile.
 * It is always above s₍ₙ₋ₖ₋₁₎, so at least n − k good parts pass: the threshold never collapses to flagging
 * everything. With few good images (k = 0, i.e. n &lt; 1/r) a quantile cannot be estimated, and the threshold is the
 * largest good score plus a margin: {@code max + max(std, 1e-6·hi)}, capped at {@code (max + hi)/2} so that a
 * score above it stays possible ({@code std} = population standard deviation of the good scores, or
 * {@code 0.05·(hi − max)} for a single image; {@code hi} = 1 for image scores, the map's upper bound for pixels).
 * The pixel threshold applies the same rule to the per-image maxima of the good maps, so that the same fraction of good
 * parts shows any defective pixel.
 *
 * <p><b>With anomalies</b>: {@link Method#F1_MAX} takes the threshold that maximises F1 of "anomalous" over all
 * images (the midpoint between the adjacent distinct scores; ties prefer the higher threshold; thresholds that would
 * flag every good image are excluded, since uninformative scores otherwise make "flag everything" the F1 optimum)
 * and, for pixels, F1
 * over all pixels of the good images and of the anomalous images with masks (on a histogram of
 * {@value #PIXEL_BINS} bins over [0, hi]). {@link Method#TARGET_RECALL} takes the highest threshold that still flags
 * the target fraction of anomalous images (for pixels: of anomalous pixels). Without masked anomalies the pixel
 * threshold falls back to the good-only rule.
 */
public final class Calibrator {
    /** Histogram resolution of the pixel thresholds with anomalies. */
    public static final int PIXEL_BINS = 1 << 14;
    public static final double DEFAULT_FALSE_ALARM_RATE = 0.01;

    private Calibrator() {}

    public enum Method {
        GOOD_QUANTILE, F1_MAX, TARGET_RECALL;

        public String id() { return name().toLowerCase(Locale.ROOT); }
    }

    /**
     * @param method               null = automatic: F1_MAX when the set has anomalous images, else GOOD_QUANTILE
     * @param targetFalseAlarmRate GOOD_QUANTILE (and the pixel fallback): allowed fraction of good parts flagged, [0, 0.5]
     * @param targetRecall         TARGET_RECALL: fraction of anomalies to flag, (0, 1]
     */
    public record Options(Method method, double targetFalseAlarmRate, double targetRecall) {
        public Options {
            if (!(targetFalseAlarmRate >= 0 && targetFalseAlarmRate <= 0.5)) {
                throw new IllegalArgumentException("target false-alarm rate must be in [0, 0.5], got " + targetFalseAlarmRate);
            }
            if (!(targetRecall > 0 && targetRecall <= 1)) {
                throw new IllegalArgumentException("target recall must be in (0, 1], got " + targetRecall);
            }
        }

        public static Options automatic() {
            return new Options(null, DEFAULT_FALSE_ALARM_RATE, 0.95);
        }

        /**
         * From what a user gave (each may be null): an explicit method wins, else a target recall means TARGET_RECALL,
         * else a false-alarm rate means GOOD_QUANTILE, else automatic; missing numbers take their defaults.
         */
        public static Options of(Method method, Double falseAlarmRate, Double recall) {
            Method m = method;
            if (m == null && recall != null) m = Method.TARGET_RECALL;
            if (m == null && falseAlarmRate != null) m = Method.GOOD_QUANTILE;
            return new Options(m, falseAlarmRate != null ? falseAlarmRate : DEFAULT_FALSE_ALARM_RATE,
                    recall != null ? recall : automatic().targetRecall());
        }
    }

    /**
     * What calibration needs from a scored validation set; filled image by image (maps are not kept).
     * {@code mapUpperBound}: the largest value a map can take (K for summed taps, 1 for the mean).
     */
    public static final class Data {
        private final double mapUpperBound;
        private final List<Float> goodScores = new ArrayList<>(), anomalousScores = new ArrayList<>(), goodMapMax = new ArrayList<>();
        private final long[] positives = new long[PIXEL_BINS], negatives = new long[PIXEL_BINS];
        private int maskedAnomalous;

        public Data(double mapUpperBound) {
            if (!(mapUpperBound > 0)) throw new IllegalArgumentException("map upper bound must be > 0, got " + mapUpperBound);
            this.mapUpperBound = mapUpperBound;
        }

        /**
         * One image: label 0/1, its score and map, and its 0/1 mask (zeros for a good image; null for an anomalous image
         * without mask, which then counts for the image threshold only).
         */
        public synchronized void add(int label, float score, float[] map, byte[] mask) {
            if (label == 0) {
                goodScores.add(score);
                float max = Float.NEGATIVE_INFINITY;
                for (float v : map) max = Math.max(max, v);
                goodMapMax.add(max);
            } else {
                anomalousScores.add(score);
            }
            if (mask == null) return;
            if (label == 1) maskedAnomalous++;
            for (int p = 0; p < map.length; p++) {
                int bin = bin(map[p]);
                if (mask[p] != 0) positives[bin]++;
                else negatives[bin]++;
            }
        }

        private int bin(float v) {
            int b = (int) Math.floor(v / mapUpperBound * PIXEL_BINS);
            return Math.max(0, Math.min(PIXEL_BINS - 1, b));
        }

        public synchronized int goodCount() { return goodScores.size(); }

        public synchronized int anomalousCount() { return anomalousScores.size(); }

        public synchronized int maskedAnomalousCount() { return maskedAnomalous; }

        double mapUpperBound() { return mapUpperBound; }
    }

    /** The thresholds and how they were found; {@link #toManifest()} gives the bundle manifest's calibration record. */
    public record Result(double imageThreshold, double pixelThreshold, Method method, double targetFalseAlarmRate,
                         Double targetRecall, int nGood, int nAnomalous, int nMaskedAnomalous, String imageRule,
                         String pixelRule, double goodFlaggedRate, Double anomalousRecall, String createdAt) {

        /** What a result's normalised score means, as the manifest states it. */
        public static final String NORMALISED_SCORE = "score rescaled piecewise linearly so that image_threshold maps to 0.5";

        /** The manifest's calibration record; its {@code data} is left for the caller ({@link CalibrationRecord#withData}). */
        public CalibrationRecord toManifest() {
            return new CalibrationRecord(imageThreshold, pixelThreshold, method.id(), targetFalseAlarmRate, targetRecall,
                    nGood, nAnomalous, nMaskedAnomalous, imageRule, pixelRule, goodFlaggedRate, anomalousRecall,
                    NORMALISED_SCORE, createdAt, null);
        }
    }

    public static Result calibrate(Data d, Options o) {
        synchronized (d) {
            int nGood = d.goodScores.size(), nAnom = d.anomalousScores.size();
            Method method = o.method() != null ? o.method() : nAnom > 0 ? Method.F1_MAX : Method.GOOD_QUANTILE;
            if (method == Method.GOOD_QUANTILE && nGood == 0) {
                throw new IllegalArgumentException("calibration from good images needs at least one good image in the validation set");
            }
            if (method != Method.GOOD_QUANTILE && nAnom == 0) {
                throw new IllegalArgumentException("calibration by " + method.id() + " needs anomalous images in the validation set;"
                        + " use a target false-alarm rate with good images only");
            }
            float[] good = toArray(d.goodScores), anom = toArray(d.anomalousScores);
            double r = o.targetFalseAlarmRate();
            double image;
            String imageRule;
            switch (method) {
                case GOOD_QUANTILE -> {
                    Threshold t = goodQuantile(good, r, 1.0);
                    image = t.value;
                    imageRule = t.rule;
                }
                case F1_MAX -> {
                    image = f1Max(good, anom);
                    imageRule = "F1-max over " + (nGood + nAnom) + " image scores";
                }
                default -> {
                    image = recallThreshold(good, anom, o.targetRecall());
                    imageRule = "highest threshold flagging " + fmt(o.targetRecall()) + " of " + nAnom + " anomalous images";
                }
            }
            double pixel;
            String pixelRule;
            if (method == Method.GOOD_QUANTILE || d.maskedAnomalous == 0) {
                if (nGood == 0) {
                    throw new IllegalArgumentException("no good image and no anomalous image with a mask: cannot set a pixel threshold");
                }
                Threshold t = goodQuantile(toArray(d.goodMapMax), r, d.mapUpperBound());
                pixel = t.value;
                pixelRule = (method == Method.GOOD_QUANTILE ? "" : "no anomalous image with a mask, so from good maps: ")
                        + t.rule.replace("good scores", "per-image maxima of good maps");
            } else if (method == Method.F1_MAX) {
                pixel = pixelF1Max(d);
                pixelRule = "pixel F1-max over the good images and " + d.maskedAnomalous + " masked anomalous images";
            } else {
                pixel = pixelRecall(d, o.targetRecall());
                pixelRule = "highest threshold flagging " + fmt(o.targetRecall()) + " of the anomalous pixels";
            }
            double flagged = fractionAtLeast(good, image);
            Double recall = nAnom > 0 ? fractionAtLeast(anom, image) : null;
            return new Result(image, pixel, method, r, method == Method.TARGET_RECALL ? o.targetRecall() : null, nGood, nAnom,
                    d.maskedAnomalous, imageRule, pixelRule, nGood > 0 ? flagged : Double.NaN, recall,
                    Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        }
    }

    /** A threshold and the rule that gave it. */
    public record Threshold(double value, String rule) {}

    /** The good-only rule of the class comment, for values in [0, hi]. */
    public static Threshold goodQuantile(float[] values, double rate, double hi) {
        float[] s = values.clone();
        Arrays.sort(s);
        int n = s.length;
        int k = (int) Math.floor(rate * n + 1e-9);
        if (k >= 1) {
            for (int j = n - k; j < n; j++) {      // flag s[j..n-1] (n − j ≤ k values), the lowest such threshold
                if (s[j - 1] < s[j]) {
                    return new Threshold((s[j - 1] + (double) s[j]) / 2, "(1 - " + fmt(rate) + ") quantile of " + n
                            + " good scores: " + (n - j) + " of them flagged");
                }
            }
        }
        double max = s[n - 1];
        double margin;
        if (n >= 2) {
            double mean = 0, sq = 0;
            for (float v : s) mean += v;
            mean /= n;
            for (float v : s) sq += (v - mean) * (v - mean);
            margin = Math.sqrt(sq / n);
        } else {
            margin = 0.05 * (hi - max);
        }
        margin = Math.max(margin, 1e-6 * hi);
        double t = Math.min(max + margin, (max + hi) / 2);
        if (!(t > max)) t = Math.nextUp(max);
        return new Threshold(t, (k == 0 ? n + " good scores are too few for the " + fmt(rate) + " false-alarm quantile (needs >= "
                + (rate > 0 ? (int) Math.ceil(1 / rate) : "infinitely many") + "), so " : "ties at the top, so ")
                + "max good score + margin (std of good scores, capped halfway to " + fmt(hi) + ")");
    }

    /**
     * Threshold maximising F1 of "score >= t ⇒ anomalous"; ties prefer the higher threshold. Thresholds that flag every
     * good image are not considered (when there are good images and another choice): with uninformative scores F1 is
     * otherwise maximised by flagging every part.
     */
    static double f1Max(float[] good, float[] anom) {
        float[] distinct = distinctDescending(concat(good, anom));
        double best = -1, bestT = Math.nextUp(distinct[0]);   // only if every choice flags all good images: flag none
        for (int i = 0; i < distinct.length; i++) {
            // flag everything >= distinct[i]: a threshold between it and the next lower value
            double t = i + 1 < distinct.length ? (distinct[i] + (double) distinct[i + 1]) / 2 : lowerThan(distinct[i]);
            long tp = countAtLeast(anom, distinct[i]), fp = countAtLeast(good, distinct[i]);
            if (good.length > 0 && fp == good.length) continue;
            double f1 = tp == 0 ? 0 : 2.0 * tp / (2.0 * tp + fp + (anom.length - tp));
            if (f1 > best) {
                best = f1;
                bestT = t;
            }
        }
        return bestT;
    }

    /** Highest threshold flagging at least ⌈recall·n⌉ anomalous images. */
    static double recallThreshold(float[] good, float[] anom, double recall) {
        float[] a = anom.clone();
        Arrays.sort(a);
        int m = (int) Math.ceil(recall * a.length - 1e-9);
        float v = a[a.length - Math.max(m, 1)];                 // the m-th largest anomalous score
        float below = Float.NEGATIVE_INFINITY;                  // next lower distinct score of any image
        for (float x : concat(good, anom)) if (x < v && x > below) below = x;
        return below == Float.NEGATIVE_INFINITY ? lowerThan(v) : (v + (double) below) / 2;
    }

    private static double pixelF1Max(Data d) {
        long totalPos = 0;
        for (long p : d.positives) totalPos += p;
        long tp = 0, fp = 0;
        double best = -1;
        int bestBin = PIXEL_BINS - 1;
        for (int b = PIXEL_BINS - 1; b >= 0; b--) {
            tp += d.positives[b];
            fp += d.negatives[b];
            if (d.positives[b] == 0 && d.negatives[b] == 0) continue;
            double f1 = tp == 0 ? 0 : 2.0 * tp / (2.0 * tp + fp + (totalPos - tp));
            if (f1 > best) {
                best = f1;
                bestBin = b;
            }
        }
        return (double) bestBin / PIXEL_BINS * d.mapUpperBound();
    }

    private static double pixelRecall(Data d, double recall) {
        long totalPos = 0;
        for (long p : d.positives) totalPos += p;
        long tp = 0;
        for (int b = PIXEL_BINS - 1; b >= 0; b--) {
            tp += d.positives[b];
            if (tp >= Math.ceil(recall * totalPos - 1e-9)) return (double) b / PIXEL_BINS * d.mapUpperBound();
        }
        return 0;
    }

    private static double lowerThan(double v) {
        return v - Math.max(1e-6, Math.abs(v) * 1e-6);
    }

    private static float[] distinctDescending(float[] v) {
        float[] s = v.clone();
        Arrays.sort(s);
        List<Float> out = new ArrayList<>();
        for (int i = s.length - 1; i >= 0; i--) if (out.isEmpty() || out.get(out.size() - 1) != s[i]) out.add(s[i]);
        return toArray(out);
    }

    private static long countAtLeast(float[] v, double t) {
        long c = 0;
        for (float x : v) if (x >= t) c++;
        return c;
    }

    static double fractionAtLeast(float[] v, double t) {
        return v.length == 0 ? Double.NaN : (double) countAtLeast(v, t) / v.length;
    }

    private static float[] concat(float[] a, float[] b) {
        float[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static float[] toArray(List<Float> l) {
        float[] out = new float[l.size()];
        for (int i = 0; i < out.length; i++) out[i] = l.get(i);
        return out;
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.4g", v);
    }
}
