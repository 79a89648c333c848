package dev.anomalyedge.image;

/** Image bytes could not be decoded: empty, truncated, corrupt, too large or of an unsupported kind. The message names the source. */
public class ImageDecodeException extends RuntimeException {
    public ImageDecodeException(String message) { super(message); }

    public ImageDecodeException(String message, Throwable cause) { super(message, cause); }
}
