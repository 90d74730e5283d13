package io.jray.api;

import java.io.Serializable;
import java.util.Map;
import java.util.Objects;

/**
 * A task call being prepared by {@code JRay.task(...)}: options are set fluently and
 * {@link #remote()} submits it. Options are checked as they are set, so a mistake surfaces at the
 * line that made it rather than later inside the runtime, and a rejected value leaves the options
 * as they were.
 *
 * @param <R> result type of the task ({@link Void} for void functions)
 */
public final class TaskCaller<R> {
    private final Serializable func;
    private final Object[] args;
    private final TaskOptions options = new TaskOptions();

    TaskCaller(Serializable func, Object[] args) {
        this.func = Objects.requireNonNull(func, "task function must not be null");
        this.args = args;
    }

    /**
     * Requires {@code amount} of resource {@code name} (e.g. {@code "CPU"}, {@code "GPU"}, a
     * custom one) while the task runs; replaces an earlier amount for the same name.
     */
    public TaskCaller<R> setResource(String name, double amount) {
        checkResource(name, amount);
        options.putResource(name, amount);
        return this;
    }

    /** Like {@link #setResource} for each entry; all entries are checked before any is applied. */
    public TaskCaller<R> setResources(Map<String, Double> resources) {
        Objects.requireNonNull(resources, "resources must not be null");
        resources.forEach((name, amount) -> {
            if (amount == null) {
                throw new IllegalArgumentException("Resource amount for '" + name + "' must not be null");
            }
            checkResource(name, amount);
        });
        resources.forEach(options::putResource);
        return this;
    }

    /** Retries if the worker dies while running the task; -1 means unlimited. */
    public TaskCaller<R> setMaxRetries(int maxRetries) {
        if (maxRetries < -1) {
            throw new IllegalArgumentException(
                    "maxRetries must be >= 0, or -1 for unlimited, got " + maxRetries);
        }
        options.setMaxRetries(maxRetries);
        return this;
    }

    /** Whether a task that threw is retried as well (within maxRetries). */
    public TaskCaller<R> setRetryExceptions(boolean retryExceptions) {
        options.setRetryExceptions(retryExceptions);
        return this;
    }

    /** Where the task may run. */
    public TaskCaller<R> setSchedulingStrategy(SchedulingStrategy strategy) {
        Objects.requireNonNull(strategy, "scheduling strategy must not be null");
        options.setSchedulingStrategy(strategy);
        return this;
    }

    /** A display name for logs and {@code jray list}; null clears it. */
    public TaskCaller<R> setName(String name) {
        if (name != null && name.isBlank()) {
            throw new IllegalArgumentException("Task name must not be blank");
        }
        options.setName(name);
        return this;
    }

    /** Submits the task and returns a ref to its result at once, without waiting for it to run. */
    public ObjectRef<R> remote() {
        return JRay.runtime().submitTask(func, args.clone(), options);
    }

    /** The options set so far, read-only. */
    public TaskOptions options() {
        return options;
    }

    static void checkResource(String name, double amount) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("Resource name must not be null or blank");
        }
        if (Double.isNaN(amount) || Double.isInfinite(amount) || amount < 0) {
            throw new IllegalArgumentException("Resource amount for '" + name
                    + "' must be a finite number >= 0, got " + amount);
        }
    }
}
