package dev.anomalyedge.training.torch;

import java.util.Locale;

/**
 * Where one training step's time went, in seconds: wall time (System.nanoTime around each phase) or the process's CPU
 * time ({@link #processCpuNanos()}); the phases run one after the other on the calling thread, so they add up to the
 * step.
 *
 * @param inputs    the batch's features, labels and masks copied from Java arrays into libtorch tensors
 * @param text      prompt learner + text encoder forward, normalised [2, E]
 * @param loss      the loss terms (forward) and reading their values back for the log
 * @param backward  zero_grad and autograd from the total loss into the prompt parameters
 * @param optimizer gradient norm / clipping, learning rate and the Adam update
 */
public record StepTimings(double inputs, double text, double loss, double backward, double optimizer) {
    /** All zero: the identity of {@link #plus}. */
    public static final StepTimings ZERO = new StepTimings(0, 0, 0, 0, 0);

    public double total() {
        return inputs + text + loss + backward + optimizer;
    }

    public StepTimings plus(StepTimings o) {
        return new StepTimings(inputs + o.inputs, text + o.text, loss + o.loss, backward + o.backward, optimizer + o.optimizer);
    }

    public StepTimings dividedBy(double n) {
        return new StepTimings(inputs / n, text / n, loss / n, backward / n, optimizer / n);
    }

    /** CPU time of this process (all threads), in nanoseconds; −1 where the JVM does not say. */
    public static long processCpuNanos() {
        return java.lang.management.ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                ? os.getProcessCpuTime() : -1;
    }

    /** One line: each phase in milliseconds and its share of the step. */
    public String summary() {
        double t = total();
        return String.format(Locale.ROOT, "inputs %.1f ms (%.0f%%), text encoder %.1f ms (%.0f%%), loss %.1f ms (%.0f%%), "
                        + "backward %.1f ms (%.0f%%), optimiser %.1f ms (%.0f%%)",
                inputs * 1e3, 100 * inputs / t, text * 1e3, 100 * text / t, loss * 1e3, 100 * loss / t,
                backward * 1e3, 100 * backward / t, optimizer * 1e3, 100 * optimizer / t);
    }
}
