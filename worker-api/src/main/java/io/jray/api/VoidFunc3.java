package io.jray.api;

import java.io.Serializable;

/**
 * A remote function of 3 arguments with no result, meant to be given as a method
 * reference to a {@code @Remote} static method. It is {@link Serializable} so the runtime can
 * recover which method it names; it declares {@code throws Exception} so methods with checked
 * exceptions can be referenced (what they throw reaches the caller as a
 * {@link io.jray.api.exception.TaskException}).
 *
 * @param <A0> type of argument 0
 * @param <A1> type of argument 1
 * @param <A2> type of argument 2
 */
@FunctionalInterface
public interface VoidFunc3<A0, A1, A2> extends Serializable {
    void apply(A0 a0, A1 a1, A2 a2) throws Exception;
}
