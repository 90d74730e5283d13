package io.jray.api;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Objects;

/**
 * Identifies an object in the cluster. It is the creating task's {@link TaskId} followed by a
 * 4-byte big-endian index, so an owner can name a task's results before the task runs and anyone
 * can tell which task (lineage) produced an object without a lookup.
 *
 * <p>Return values and {@code put}s of the same task share the task id, so they are told apart
 * by the index's high bit: clear for the {@code n}-th return value, set for the {@code n}-th
 * {@code put} made while that task ran.
 */
public final class ObjectId extends BaseId {
    private static final long serialVersionUID = 1L;

    /** Length of the id in bytes: a task id plus a 4-byte index. */
    public static final int SIZE = TaskId.SIZE + 4;

    private static final int PUT_FLAG = 0x8000_0000;

    private ObjectId(byte[] bytes) {
        super(bytes);
    }

    /** Wraps a copy of {@code bytes}; throws {@link IllegalArgumentException} unless it is {@value #SIZE} bytes long. */
    public static ObjectId fromBytes(byte[] bytes) {
        return new ObjectId(bytes);
    }

    /** Parses the form produced by {@link #hex()}. */
    public static ObjectId fromHex(String hex) {
        return new ObjectId(parseHex(hex));
    }

    /** The id of return value number {@code index} (0 or more) of {@code task}. */
    public static ObjectId forReturn(TaskId task, int index) {
        return of(task, index, 0, "return index");
    }

    /** The id of the {@code putIndex}-th (0 or more) {@code put} made while {@code task} ran. */
    public static ObjectId forPut(TaskId task, int putIndex) {
        return of(task, putIndex, PUT_FLAG, "put index");
    }

    private static ObjectId of(TaskId task, int index, int flag, String what) {
        Objects.requireNonNull(task, "task must not be null");
        if (index < 0) {
            throw new IllegalArgumentException(what + " must be >= 0, got " + index);
        }
        return new ObjectId(ByteBuffer.allocate(SIZE).put(task.rawBytes()).putInt(index | flag).array());
    }

    /** The task that created this object (by returning it or by calling {@code put}). */
    public TaskId taskId() {
        return TaskId.fromBytes(Arrays.copyOf(rawBytes(), TaskId.SIZE));
    }

    /** The return index or put index, without the put flag; see {@link #isPut()}. */
    public int index() {
        return rawIndex() & ~PUT_FLAG;
    }

    /** True when the object was created by {@code put} rather than returned by its task. */
    public boolean isPut() {
        return (rawIndex() & PUT_FLAG) != 0;
    }

    private int rawIndex() {
        return ByteBuffer.wrap(rawBytes(), TaskId.SIZE, 4).getInt();
    }

    @Override
    int size() {
        return SIZE;
    }
}
