package io.jray.api;

/**
 * Identifies one worker or driver process (one core worker).
 */
public final class WorkerId extends BaseId {
    private static final long serialVersionUID = 1L;

    /** Length of the id in bytes. */
    public static final int SIZE = 16;

    private WorkerId(byte[] bytes) {
        super(bytes);
    }

    /** Wraps a copy of {@code bytes}; throws {@link IllegalArgumentException} unless it is {@value #SIZE} bytes long. */
    public static WorkerId fromBytes(byte[] bytes) {
        return new WorkerId(bytes);
    }

    /** Parses the form produced by {@link #hex()}. */
    public static WorkerId fromHex(String hex) {
        return new WorkerId(parseHex(hex));
    }

    /** A fresh id; unique with overwhelming probability, not unpredictable. */
    public static WorkerId random() {
        return new WorkerId(randomBytes(SIZE));
    }

    @Override
    int size() {
        return SIZE;
    }
}
