package io.jray.api.exception;

/**
 * The worker process running a task died (or became unreachable) and the task ran out of retries ({@code maxRetries}). Distinct from {@link TaskException}: the user code did not throw, the process went away.
 */
public class WorkerCrashedException extends JRayException {
    private static final long serialVersionUID = 1L;

    public WorkerCrashedException(String message) {
        super(message);
    }

    public WorkerCrashedException(String message, Throwable cause) {
        super(message, cause);
    }
}
