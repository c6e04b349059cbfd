package dev.jovl.overlay;

/**
 * Why the overlay refused or could not do something. The core throws only these (and the
 * store's own {@code StoreException}); the Docker adapter alone turns them into HTTP statuses
 * and {@code {"Err"}} texts, so every message must make sense to a user on its own.
 */
public abstract sealed class OverlayException extends RuntimeException
        permits OverlayException.Invalid, OverlayException.Failed {

    private OverlayException(String message, Throwable cause) {
        super(message, cause);
    }

    /** The request itself is wrong (malformed, missing, unknown or conflicting): nothing was changed. */
    public static final class Invalid extends OverlayException {
        Invalid(String message) {
            super(message, null);
        }
    }

    /** The request is well-formed but could not be served now (kernel refused, races lost, ...). */
    public static final class Failed extends OverlayException {
        Failed(String message, Throwable cause) {
            super(message, cause);
        }
    }

    public static Invalid invalid(String message) {
        return new Invalid(message);
    }

    public static Failed failed(String message, Throwable cause) {
        return new Failed(message, cause);
    }

    public static Failed failed(String message) {
        return new Failed(message, null);
    }
}
