package io.jray.api.exception;

/**
 * The process that owns an object (the one that created it by {@code put} or by submitting its task) died, so nobody can say where the object is or rebuild it. Borrowers of the object see this instead of hanging.
 */
public class OwnerDiedException extends JRayException {
    private static final long serialVersionUID = 1L;

    public OwnerDiedException(String message) {
        super(message);
    }

    public OwnerDiedException(String message, Throwable cause) {
        super(message, cause);
    }
}
