package io.jray.api;

import java.io.IOException;
import java.io.InvalidObjectException;
import java.io.ObjectInputStream;
import java.io.Serializable;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Shared representation of the id value types: a fixed-length byte array compared by content.
 * Ids are created on hot paths (one per task and per object), so randomness comes from
 * {@link ThreadLocalRandom}: ids need to be unique, not unpredictable.
 */
abstract class BaseId implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final HexFormat HEX = HexFormat.of();

    private final byte[] bytes;
    // Ids are used as map keys everywhere, so the hash is computed once.
    private transient int hash;

    BaseId(byte[] bytes) {
        Objects.requireNonNull(bytes, () -> getClass().getSimpleName() + " bytes must not be null");
        if (bytes.length != size()) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " needs " + size()
                    + " bytes, got " + bytes.length);
        }
        this.bytes = bytes.clone();
    }

    /** Required length in bytes; a method rather than a field so deserialization can check it. */
    abstract int size();

    /** A copy, so callers cannot change an id that may already be a map key. */
    public byte[] bytes() {
        return bytes.clone();
    }

    /** Lower-case hex of the bytes; the form used in logs, CLI output and {@link #toString()}. */
    public String hex() {
        return HEX.formatHex(bytes);
    }

    /** Lets subclasses read their own bytes without a copy. */
    final byte[] rawBytes() {
        return bytes;
    }

    static byte[] parseHex(String hex) {
        Objects.requireNonNull(hex, "hex must not be null");
        return HEX.parseHex(hex);
    }

    static byte[] randomBytes(int length) {
        byte[] b = new byte[length];
        ThreadLocalRandom.current().nextBytes(b);
        return b;
    }

    @Override
    public final boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        return o != null && o.getClass() == getClass() && Arrays.equals(bytes, ((BaseId) o).bytes);
    }

    @Override
    public final int hashCode() {
        int h = hash;
        if (h == 0) {
            h = Arrays.hashCode(bytes);
            hash = h;
        }
        return h;
    }

    @Override
    public final String toString() {
        return hex();
    }

    // A stream could carry a wrong-length array; reject it rather than build an invalid id.
    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
        in.defaultReadObject();
        if (bytes == null || bytes.length != size()) {
            throw new InvalidObjectException(getClass().getSimpleName() + " with wrong length");
        }
    }
}
