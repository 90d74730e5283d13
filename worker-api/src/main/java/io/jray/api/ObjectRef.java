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

    /** The object's id. */
    ObjectId id();
}
