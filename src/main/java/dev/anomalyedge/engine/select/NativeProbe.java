package dev.anomalyedge.engine.select;

import dev.anomalyedge.engine.trt.TrtAvailability;
import dev.anomalyedge.engine.trt.TrtNatives;

/**
 * Whether TensorRT can run here. The real probe loads the natives once per process and remembers the result
 * ({@link TrtNatives#probe()}); tests inject fixed answers to exercise the selection logic without natives.
 */
@FunctionalInterface
public interface NativeProbe {
    TrtAvailability probe();

    /** The process-wide, load-once probe. */
    static NativeProbe real() {
        return TrtNatives::probe;
    }

    /** Always the given answer. */
    static NativeProbe fixed(TrtAvailability answer) {
        return () -> answer;
    }
}
