package io.jray.api.exception;

/**
 * The user code of a task threw. The original exception often cannot be rebuilt on the caller's
 * side (its class may exist only on the worker, or not be serializable), so its class name, message
 * and stack trace travel as strings and are always available; {@link #getCause()} is the original
 * exception only when it could be deserialized.
 */
public class TaskException extends JRayException {
    private static final long serialVersionUID = 1L;

    private final String functionName;
    private final String remoteClassName;
    private final String remoteMessage;
    private final String remoteStackTrace;

    public TaskException(String functionName, String remoteClassName, String remoteMessage,
            String remoteStackTrace, Throwable causeOrNull) {
        super(describe(functionName, remoteClassName, remoteMessage, remoteStackTrace), causeOrNull);
        this.functionName = functionName;
        this.remoteClassName = remoteClassName;
        this.remoteMessage = remoteMessage;
        this.remoteStackTrace = remoteStackTrace;
    }

    // The message carries the remote trace because the local trace only shows where get() was
    // called, which is rarely where the bug is.
    private static String describe(String functionName, String remoteClassName,
            String remoteMessage, String remoteStackTrace) {
        StringBuilder sb = new StringBuilder("Task ")
                .append(functionName == null ? "<unknown function>" : functionName)
                .append(" failed with ")
                .append(remoteClassName == null ? "<unknown exception>" : remoteClassName);
        if (remoteMessage != null) {
            sb.append(": ").append(remoteMessage);
        }
        if (remoteStackTrace != null && !remoteStackTrace.isBlank()) {
            sb.append("\nRemote stack trace:\n").append(remoteStackTrace);
        }
        return sb.toString();
    }

    /** The task's function, e.g. {@code com.example.MyTasks.square}. */
    public String functionName() {
        return functionName;
    }

    /** Fully qualified class name of the exception the task threw. */
    public String remoteClassName() {
        return remoteClassName;
    }

    /** The thrown exception's own message; may be null. */
    public String remoteMessage() {
        return remoteMessage;
    }

    /** The thrown exception's stack trace as printed on the worker. */
    public String remoteStackTrace() {
        return remoteStackTrace;
    }
}
