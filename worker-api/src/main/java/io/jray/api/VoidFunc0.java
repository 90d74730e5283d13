package io.jray.api;

import java.io.Serializable;

/**
 * A remote function of 0 arguments with no result, meant to be given as a method
 * reference to a {@code @Remote} static method. It is {@link Serializable} so the runtime can
 * recover which method it names; it declares {@code throws Exception} so methods with checked
 * exceptions can be referenced (what they throw reaches the caller as a
 * {@link io.jray.api.exception.TaskException}).
 */
@FunctionalInterface
public interface VoidFunc0 extends Serializable {
    void apply() throws Exception;
}
