package io.jray.api.exception;

/**
 * An object was lost and re-running the task that created it (lineage reconstruction) failed or was not possible, e.g. the task had no retries left.
 */
public class ObjectReconstructionFailedException extends JRayException {
    private static final long serialVersionUID = 1L;

    public ObjectReconstructionFailedException(String message) {
        super(message);
    }

    public ObjectReconstructionFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
