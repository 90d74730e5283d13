package io.jray.api.exception;

/**
 * A {@code get} with a timeout gave up before the object was ready. The object itself is unaffected and may still be fetched later.
 */
public class GetTimeoutException extends JRayException {
    private static final long serialVersionUID = 1L;

    public GetTimeoutException(String message) {
        super(message);
    }

    public GetTimeoutException(String message, Throwable cause) {
        super(message, cause);
    }
}
