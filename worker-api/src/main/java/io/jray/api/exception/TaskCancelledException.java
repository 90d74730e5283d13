package io.jray.api.exception;

/**
 * The task producing the object was cancelled with {@code JRay.cancel}, so its result will never exist.
 */
public class TaskCancelledException extends JRayException {
    private static final long serialVersionUID = 1L;

    public TaskCancelledException(String message) {
        super(message);
    }

    public TaskCancelledException(String message, Throwable cause) {
        super(message, cause);
    }
}
