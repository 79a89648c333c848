package dev.anomalyedge.engine;

/** An inference engine could not be opened or could not run; the message says what and why. */
public class EngineException extends RuntimeException {
    public EngineException(String message) {
        super(message);
    }

    public EngineException(String message, Throwable cause) {
        super(message, cause);
    }
}
