package io.jray.api;

import java.io.Serializable;

/**
 * A remote function of 1 argument with a result, meant to be given as a method
 * reference to a {@code @Remote} static method. It is {@link Serializable} so the runtime can
 * recover which method it names; it declares {@code throws Exception} so methods with checked
 * exceptions can be referenced (what they throw reaches the caller as a
 * {@link io.jray.api.exception.TaskException}).
 *
 * @param <A0> type of argument 0
 * @param <R> result type
 */
@FunctionalInterface
public interface Func1<A0, R> extends Serializable {
    R apply(A0 a0) throws Exception;
}
