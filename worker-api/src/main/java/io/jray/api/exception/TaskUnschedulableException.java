package io.jray.api.exception;

/**
 * No node in the cluster can ever satisfy the task's resource demand or scheduling strategy (for example it asks for more CPUs than any node has, or hard affinity to a dead node), so waiting for it would hang forever.
 */
public class TaskUnschedulableException extends JRayException {
    private static final long serialVersionUID = 1L;

    public TaskUnschedulableException(String message) {
        super(message);
    }

    public TaskUnschedulableException(String message, Throwable cause) {
        super(message, cause);
    }
}
