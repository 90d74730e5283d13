package io.jray.api.exception;

/**
 * A {@code put} or task result did not fit in the node's object store even after eviction and spilling. Reported instead of evicting objects that are still needed.
 */
public class ObjectStoreFullException extends JRayException {
    private static final long serialVersionUID = 1L;

    public ObjectStoreFullException(String message) {
        super(message);
    }

    public ObjectStoreFullException(String message, Throwable cause) {
        super(message, cause);
    }
}
