package io.jray.api.exception;

/**
 * Root of every failure the JRay runtime reports, so callers can catch one type for "the
 * distributed part went wrong" while still telling the cases apart by subclass. Unchecked, because
 * any {@code get} may fail for reasons outside the caller's control and forcing a checked exception
 * onto every call site would only produce empty catch blocks.
 */
public class JRayException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public JRayException(String message) {
        super(message);
    }

    public JRayException(String message, Throwable cause) {
        super(message, cause);
    }
}
