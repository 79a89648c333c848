package dev.anomalyedge.metrics;

import java.util.Arrays;

/**
 * Scores of a binary problem split by class and sorted once, walked threshold by threshold from the highest
 * distinct score down — the order in which sklearn's {@code _binary_clf_curve} builds the ROC and PR curves.
 *
 * <p>Two primitive float arrays (positives, negatives) are all that is stored: 4 bytes per score, no boxing, no
 * index permutation. Scores that compare equal (including {@code -0.0 == 0.0}) form one threshold, as in sklearn,
 * where tied scores share one curve point.
 */
final class Ranking {
    private final float[] positives; // ascending
    private final float[] negatives; // ascending

    /** Takes ownership of both arrays (sorts them in place). Scores must be finite. */
    Ranking(float[] positives, float[] negatives) {
        Arrays.sort(positives);
        Arrays.sort(negatives);
        this.positives = positives;
        this.negatives = negatives;
    }

    long positiveCount() {
        return positives.length;
    }

    long negativeCount() {
        return negatives.length;
    }

    /**
     * Area under the ROC curve (trapezoid over the distinct-threshold points), computed exactly in integers:
     * each threshold adds Δfp · (tp_before + Δtp/2); twice that sum fits a long for any array Java can hold.
     */
    double auroc() {
        long twiceArea = 0;
        Cursor c = descending();
        while (c.next()) {
            twiceArea += c.fpDelta * (2 * (c.tp - c.tpDelta) + c.tpDelta);
        }
        return twiceArea / (2.0 * positives.length * negatives.length);
    }

    /** sklearn average_precision_score: Σ_n (R_n − R_{n−1}) · P_n over the distinct thresholds, no interpolation. */
    double averagePrecision() {
        double p = positives.length;
        double ap = 0;
        Cursor c = descending();
        while (c.next()) {
            double precision = (double) c.tp / (c.tp + c.fp);
            ap += (c.tpDelta / p) * precision;
        }
        return ap;
    }

    /**
     * Largest F1 = 2PR/(P+R) over the precision_recall_curve points (each distinct threshold, plus the final
     * (P=1, R=0) point sklearn appends, whose F1 is 0); a point with P+R = 0 counts as F1 = 0.
     */
    double f1Max() {
        double p = positives.length;
        double best = 0;
        Cursor c = descending();
        while (c.next()) {
            double precision = (double) c.tp / (c.tp + c.fp);
            double recall = c.tp / p;
            double f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
            best = Math.max(best, f1);
        }
        return best;
    }

    Cursor descending() {
        return new Cursor();
    }

    /** Walks the distinct scores from highest to lowest; after {@link #next()} the counts include that threshold. */
    final class Cursor {
        private int pos = positives.length - 1; // next positive to consume (walking down)
        private int neg = negatives.length - 1;
        /** Score of the current threshold. */
        float score;
        /** Positives / negatives with score ≥ current threshold. */
        long tp, fp;
        /** Positives / negatives with score == current threshold. */
        long tpDelta, fpDelta;

        boolean next() {
            if (pos < 0 && neg < 0) return false;
            if (pos < 0) score = negatives[neg];
            else if (neg < 0) score = positives[pos];
            else score = Math.max(positives[pos], negatives[neg]);
            int pos0 = pos, neg0 = neg;
            while (pos >= 0 && positives[pos] == score) pos--;
            while (neg >= 0 && negatives[neg] == score) neg--;
            tpDelta = pos0 - pos;
            fpDelta = neg0 - neg;
            tp += tpDelta;
            fp += fpDelta;
            return true;
        }
    }
}
