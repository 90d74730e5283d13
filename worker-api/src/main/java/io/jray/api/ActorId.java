package io.jray.api;

/**
 * Identifies an actor across its restarts, so handles stay valid when the actor is rebuilt elsewhere.
 */
public final class ActorId extends BaseId {
    private static final long serialVersionUID = 1L;

    /** Length of the id in bytes. */
    public static final int SIZE = 16;

    private ActorId(byte[] bytes) {
        super(bytes);
    }

    /** Wraps a copy of {@code bytes}; throws {@link IllegalArgumentException} unless it is {@value #SIZE} bytes long. */
    public static ActorId fromBytes(byte[] bytes) {
        return new ActorId(bytes);
    }

    /** Parses the form produced by {@link #hex()}. */
    public static ActorId fromHex(String hex) {
        return new ActorId(parseHex(hex));
    }

    /** A fresh id; unique with overwhelming probability, not unpredictable. */
    public static ActorId random() {
        return new ActorId(randomBytes(SIZE));
    }

    @Override
    int size() {
        return SIZE;
    }
}
