package dev.anomalyedge.bundle;

/** A model bundle is missing, incomplete or inconsistent; the message names the bundle and the problem. */
public class BundleException extends RuntimeException {
    public BundleException(String message) { super(message); }

    public BundleException(String message, Throwable cause) { super(message, cause); }
}
