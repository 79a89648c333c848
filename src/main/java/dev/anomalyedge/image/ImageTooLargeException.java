package dev.anomalyedge.image;

/** The image header announces more pixels than the configured limit; nothing was decoded. */
public class ImageTooLargeException extends ImageDecodeException {
    public ImageTooLargeException(String message) { super(message); }
}
