package io.jray.api;

/**
 * Identifies one task execution request; the return objects of a task derive their {@link ObjectId}s from it, so results can be named before the task runs.
 */
public final class TaskId extends BaseId {
    private static final long serialVersionUID = 1L;

    /** Length of the id in bytes. */
    public static final int SIZE = 16;

    private TaskId(byte[] bytes) {
        super(bytes);
    }

    /** Wraps a copy of {@code bytes}; throws {@link IllegalArgumentException} unless it is {@value #SIZE} bytes long. */
    public static TaskId fromBytes(byte[] bytes) {
        return new TaskId(bytes);
    }

    /** Parses the form produced by {@link #hex()}. */
    public static TaskId fromHex(String hex) {
        return new TaskId(parseHex(hex));
    }

    /** A fresh id; unique with overwhelming probability, not unpredictable. */
    public static TaskId random() {
        return new TaskId(randomBytes(SIZE));
    }

    @Override
    int size() {
        return SIZE;
    }
}
