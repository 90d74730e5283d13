package io.jray.api;

import java.time.Duration;

/**
 * A future for an object in the cluster: the result of a task or a {@code put}. Passing it as a
 * task argument makes the task wait for the value without the caller fetching it. It is
 * {@link java.io.Serializable} so it may travel inside arguments and results; the receiver then
 * becomes a borrower and the owner keeps the object alive for it.
 *
 * @param <T> type of the value
 */
public interface ObjectRef<T> extends java.io.Serializable {
    /** Blocks until the value is ready and returns it; same as {@link JRay#get(ObjectRef)}. */
    T get();

    /** Like {@link #get()}, but gives up with a {@link io.jray.api.exception.GetTimeoutException}. */
    T get(Duration timeout);

    /**
     * A future of the value, for composing without blocking a thread. It completes with the value
     * once the object is ready, or exceptionally with the very exception {@link #get()} would
     * throw ({@link io.jray.api.exception.TaskException},
     * {@link io.jray.api.exception.WorkerCrashedException},
     * {@link io.jray.api.exception.OwnerDiedException},
     * {@link io.jray.api.exception.ObjectLostException}, ...; {@code join()} and {@code get()} wrap
     * it in a {@code CompletionException} or {@code ExecutionException} as usual). Works alike for
     * task results, {@code put}s and refs received from other processes.
     *
     * <p>No thread waits while the object is pending, so thousands of futures cost no threads.
     * Dependent stages added without {@code Async} run on the runtime's decoding threads once the
     * value is known; give {@code *Async} stages an executor of your own (without one they run on
     * the common pool, which on a small machine starts a thread per stage).
     *
     * <p>Each call returns a new future, which belongs to the caller alone: cancelling or
     * completing it does not cancel the task or free the object. Until it completes, the future
     * keeps the object alive. If the runtime shuts down first, it completes exceptionally; it never
     * hangs on a failure.
     *
     * @return a new future of the value, completed already if the object is known
     */
    java.util.concurrent.CompletableFuture<T> toCompletableFuture();

    /** The object's id. */
    ObjectId id();
}
