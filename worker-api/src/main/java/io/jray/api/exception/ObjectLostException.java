package io.jray.api.exception;

/**
 * Every copy of an object without lineage (one created by {@code put}) is gone, so it can never be recovered. Raised instead of letting {@code get} hang.
 */
public class ObjectLostException extends JRayException {
    private static final long serialVersionUID = 1L;

    public ObjectLostException(String message) {
        super(message);
    }

    public ObjectLostException(String message, Throwable cause) {
        super(message, cause);
    }
}
