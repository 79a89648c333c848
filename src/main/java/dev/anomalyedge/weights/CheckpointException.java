package dev.anomalyedge.weights;

/** A checkpoint could not be read or does not hold what the model needs. The message names file, key, expected and found. */
public class CheckpointException extends RuntimeException {
    public CheckpointException(String message) { super(message); }

    public CheckpointException(String message, Throwable cause) { super(message, cause); }
}
