package dev.anomalyedge.inspection;

import dev.anomalyedge.bundle.CalibrationRecord;

/**
 * OK/NG thresholds from a bundle's manifest ({@code calibration.image_threshold}, {@code calibration.pixel_threshold}).
 * Without an image threshold every verdict is {@link Verdict#UNCALIBRATED}.
 */
public record Calibration(Double imageThreshold, Double pixelThreshold) {

    public static final Calibration NONE = new Calibration(null, null);

    /** The thresholds of a manifest's calibration record; {@link #NONE} without one. */
    public static Calibration fromManifest(CalibrationRecord calibration) {
        if (calibration == null) return NONE;
        return new Calibration(calibration.imageThreshold(), calibration.pixelThreshold());
    }

    public Verdict verdict(double score) {
        if (imageThreshold == null) return Verdict.UNCALIBRATED;
        return score >= imageThreshold ? Verdict.NG : Verdict.OK;
    }

    /** Score rescaled so the threshold sits at 0.5 (piecewise linear on [0, t] and [t, 1]); null when uncalibrated. */
    public Double normalisedScore(double score) {
        if (imageThreshold == null) return null;
        double t = Math.min(Math.max(imageThreshold, 1e-9), 1 - 1e-9);
        double s = Math.min(Math.max(score, 0), 1);
        return s < t ? 0.5 * s / t : 0.5 + 0.5 * (s - t) / (1 - t);
    }

    /**
     * What a result says about the part, with the numeric {@code result_code} a PLC maps: OK 0, NG 1, UNCALIBRATED 2
     * (no threshold, so no judgement: not a pass), ERROR (not inspected) ≥ 10 from its {@link ErrorCode}.
     */
    public enum Verdict {
        OK(0), NG(1), UNCALIBRATED(2), ERROR(-1);

        private final int resultCode;

        Verdict(int resultCode) { this.resultCode = resultCode; }

        /** The result code of an inspected image; ERROR results take theirs from {@link ErrorCode#resultCode()}. */
        public int resultCode() {
            if (this == ERROR) throw new IllegalStateException("an ERROR result's code is its ErrorCode's");
            return resultCode;
        }
    }
}
