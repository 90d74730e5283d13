package io.jray.api;

import java.io.Serializable;

/**
 * A remote function of 6 arguments with a result, meant to be given as a method
 * reference to a {@code @Remote} static method. It is {@link Serializable} so the runtime can
 * recover which method it names; it declares {@code throws Exception} so methods with checked
 * exceptions can be referenced (what they throw reaches the caller as a
 * {@link io.jray.api.exception.TaskException}).
 *
 * @param <A0> type of argument 0
 * @param <A1> type of argument 1
 * @param <A2> type of argument 2
 * @param <A3> type of argument 3
 * @param <A4> type of argument 4
 * @param <A5> type of argument 5
 * @param <R> result type
 */
@FunctionalInterface
public interface Func6<A0, A1, A2, A3, A4, A5, R> extends Serializable {
    R apply(A0 a0, A1 a1, A2 a2, A3 a3, A4 a4, A5 a5) throws Exception;
}
