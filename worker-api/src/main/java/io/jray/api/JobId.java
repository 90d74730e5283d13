package io.jray.api;

import java.nio.ByteBuffer;

/**
 * Identifies a job (one driver's run). Only 4 bytes because jobs are numbered by the GCS in order,
 * which keeps them short in logs and lets worker pools be keyed by a small number.
 */
public final class JobId extends BaseId {
    private static final long serialVersionUID = 1L;

    /** Length of the id in bytes. */
    public static final int SIZE = 4;

    private JobId(byte[] bytes) {
        super(bytes);
    }

    /** Wraps a copy of {@code bytes}; throws {@link IllegalArgumentException} unless it is {@value #SIZE} bytes long. */
    public static JobId fromBytes(byte[] bytes) {
        return new JobId(bytes);
    }

    /** Parses the form produced by {@link #hex()}. */
    public static JobId fromHex(String hex) {
        return new JobId(parseHex(hex));
    }

    /** The id for job number {@code value}, big-endian so the hex form reads as the number. */
    public static JobId fromInt(int value) {
        return new JobId(ByteBuffer.allocate(SIZE).putInt(value).array());
    }

    /** Inverse of {@link #fromInt(int)}. */
    public int toInt() {
        return ByteBuffer.wrap(rawBytes()).getInt();
    }

    @Override
    int size() {
        return SIZE;
    }
}
