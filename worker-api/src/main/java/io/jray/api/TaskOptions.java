package io.jray.api;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Options given on one task call. Unset options are null (or absent from {@link #resources()}) so
 * the runtime can tell "not given" from "given the default value" and fall back to the method's
 * {@link Remote} annotation, then to the built-in defaults. Publicly read-only: only
 * {@link TaskCaller}, which validates every value, changes it.
 */
public final class TaskOptions {
    private final Map<String, Double> resources = new LinkedHashMap<>();
    private final Map<String, Double> resourcesView = Collections.unmodifiableMap(resources);
    private Integer maxRetries;
    private Boolean retryExceptions;
    private SchedulingStrategy schedulingStrategy = SchedulingStrategy.DEFAULT;
    private String name;

    TaskOptions() {
    }

    /** Resources given explicitly on the call, by name; unmodifiable. */
    public Map<String, Double> resources() {
        return resourcesView;
    }

    /** Retries after a worker crash, -1 for unlimited, or null when not given on the call. */
    public Integer maxRetries() {
        return maxRetries;
    }

    /** Whether a task that threw is retried too, or null when not given on the call. */
    public Boolean retryExceptions() {
        return retryExceptions;
    }

    /** Never null; {@link SchedulingStrategy#DEFAULT} unless set. */
    public SchedulingStrategy schedulingStrategy() {
        return schedulingStrategy;
    }

    /** Display name of the task (for logs and {@code jray list}), or null. */
    public String name() {
        return name;
    }

    // Setters assume validated input; TaskCaller checks before calling so a bad value changes nothing.

    void putResource(String resourceName, double amount) {
        resources.put(resourceName, amount);
    }

    void setMaxRetries(int maxRetries) {
        this.maxRetries = maxRetries;
    }

    void setRetryExceptions(boolean retryExceptions) {
        this.retryExceptions = retryExceptions;
    }

    void setSchedulingStrategy(SchedulingStrategy schedulingStrategy) {
        this.schedulingStrategy = Objects.requireNonNull(schedulingStrategy);
    }

    void setName(String name) {
        this.name = name;
    }

    @Override
    public String toString() {
        return "TaskOptions{resources=" + resources + ", maxRetries=" + maxRetries
                + ", retryExceptions=" + retryExceptions + ", schedulingStrategy="
                + schedulingStrategy + ", name=" + name + '}';
    }
}
