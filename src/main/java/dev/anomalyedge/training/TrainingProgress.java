package dev.anomalyedge.training;

import java.util.Locale;

/**
 * Where a training run stands, for progress lines and job status.
 *
 * @param phase          what is running
 * @param done           units done in this phase (images while extracting/evaluating, optimiser steps while training)
 * @param total          units of this phase
 * @param epoch          1-based epoch while training (0 otherwise)
 * @param epochs         epochs of the run
 * @param step           optimiser steps taken so far (whole run)
 * @param totalSteps     optimiser steps of the whole run
 * @param loss           loss of the last step (NaN before the first)
 * @param epochLoss      mean loss of the current epoch so far (NaN before its first step)
 * @param elapsedSeconds seconds since the phase started
 * @param etaSeconds     estimated seconds until the phase ends (NaN when unknown)
 */
@com.fasterxml.jackson.databind.annotation.JsonNaming(com.fasterxml.jackson.databind.PropertyNamingStrategies.SnakeCaseStrategy.class)
public record TrainingProgress(Phase phase, int done, int total, int epoch, int epochs, int step, int totalSteps, double loss,
                               double epochLoss, double elapsedSeconds, double etaSeconds) {

    public enum Phase { PREPARING, EXTRACTING_FEATURES, TRAINING, EXPORTING, EVALUATING, DONE }

    /** A phase without step counters. */
    public static TrainingProgress of(Phase phase, int done, int total, double elapsedSeconds) {
        return new TrainingProgress(phase, done, total, 0, 0, 0, 0, Double.NaN, Double.NaN, elapsedSeconds,
                eta(done, total, elapsedSeconds));
    }

    /** Remaining time at the average rate so far; NaN before the first unit. */
    static double eta(int done, int total, double elapsedSeconds) {
        return done <= 0 ? Double.NaN : elapsedSeconds / done * Math.max(0, total - done);
    }

    /** One line, e.g. {@code training epoch 3/15 step 40/120 loss 1.2345 (epoch mean 1.3001) ETA 2m05s}. */
    public String describe() {
        String name = phase.name().toLowerCase(Locale.ROOT).replace('_', ' ');
        if (phase == Phase.TRAINING) {
            return String.format(Locale.ROOT, "%s epoch %d/%d step %d/%d loss %.4f (epoch mean %.4f) ETA %s", name, epoch, epochs,
                    step, totalSteps, loss, epochLoss, duration(etaSeconds));
        }
        if (total > 0) return String.format(Locale.ROOT, "%s %d/%d ETA %s", name, done, total, duration(etaSeconds));
        return name;
    }

    static String duration(double seconds) {
        if (Double.isNaN(seconds)) return "?";
        long s = Math.round(seconds);
        if (s >= 3600) return String.format(Locale.ROOT, "%dh%02dm", s / 3600, s / 60 % 60);
        if (s >= 60) return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
        return s + "s";
    }
}
