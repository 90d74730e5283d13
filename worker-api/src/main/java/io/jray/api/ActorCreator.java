package io.jray.api;

import java.io.Serializable;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An actor creation being prepared by {@code JRay.actor(Counter::new, args...)}: options are set
 * fluently and {@link #remote()} creates it. Options are checked as they are set; a rejected value
 * leaves the options as they were.
 *
 * @param <A> the actor's class
 */
public final class ActorCreator<A> {
    private final Serializable constructor;
    private final Object[] args;
    private final ActorOptions options = new ActorOptions();

    ActorCreator(Serializable constructor, Object[] args) {
        this.constructor = Objects.requireNonNull(constructor, "actor constructor must not be null");
        this.args = args;
    }

    /**
     * A cluster-wide name, to find the actor with {@link JRay#getActor(String)}. A name that is
     * taken makes {@link #remote()} fail with {@link IllegalArgumentException}.
     */
    public ActorCreator<A> setName(String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("Actor name must not be null or blank");
        }
        options.setName(name);
        return this;
    }

    /** {@link ActorLifetime#DETACHED} makes the actor outlive its creator. */
    public ActorCreator<A> setLifetime(ActorLifetime lifetime) {
        options.setLifetime(Objects.requireNonNull(lifetime, "lifetime must not be null"));
        return this;
    }

    /** Restarts after the actor's process or node died (default 0); -1 means unlimited. */
    public ActorCreator<A> setMaxRestarts(int maxRestarts) {
        checkCount("maxRestarts", maxRestarts);
        options.setMaxRestarts(maxRestarts);
        return this;
    }

    /** Retries of a call that was running when the actor died (default 0); -1 means unlimited. */
    public ActorCreator<A> setMaxTaskRetries(int maxTaskRetries) {
        checkCount("maxTaskRetries", maxTaskRetries);
        options.setMaxTaskRetries(maxTaskRetries);
        return this;
    }

    /**
     * Calls that may run at the same time (default 1: one at a time). Above 1 calls start in
     * order on a pool of that many threads and may finish in any order.
     */
    public ActorCreator<A> setMaxConcurrency(int maxConcurrency) {
        if (maxConcurrency < 1) {
            throw new IllegalArgumentException("maxConcurrency must be >= 1, got " + maxConcurrency);
        }
        options.setMaxConcurrency(maxConcurrency);
        return this;
    }

    /**
     * Unanswered calls one process may have to this actor before {@code remote()} blocks
     * (default {@value ActorOptions#DEFAULT_MAX_PENDING_CALLS}).
     */
    public ActorCreator<A> setMaxPendingCalls(int maxPendingCalls) {
        if (maxPendingCalls < 1) {
            throw new IllegalArgumentException("maxPendingCalls must be >= 1, got " + maxPendingCalls);
        }
        options.setMaxPendingCalls(maxPendingCalls);
        return this;
    }

    /**
     * Requires {@code amount} of resource {@code name}, held for the actor's whole life. Without
     * any, an actor needs 1 CPU to be placed and holds none while alive.
     */
    public ActorCreator<A> setResource(String name, double amount) {
        TaskCaller.checkResource(name, amount);
        options.putResource(name, amount);
        return this;
    }

    /** Like {@link #setResource} for each entry; all are checked before any is applied. */
    public ActorCreator<A> setResources(Map<String, Double> resources) {
        Objects.requireNonNull(resources, "resources must not be null");
        resources.forEach((name, amount) -> {
            if (amount == null) {
                throw new IllegalArgumentException("Resource amount for '" + name + "' must not be null");
            }
            TaskCaller.checkResource(name, amount);
        });
        resources.forEach(options::putResource);
        return this;
    }

    /** JVM options of the actor's worker, which is then started for this actor alone. */
    public ActorCreator<A> setJvmOptions(List<String> jvmOptions) {
        Objects.requireNonNull(jvmOptions, "jvmOptions must not be null");
        for (String o : jvmOptions) {
            if (o == null || o.isBlank()) {
                throw new IllegalArgumentException("JVM options must not be null or blank");
            }
        }
        options.setJvmOptions(jvmOptions);
        return this;
    }

    /**
     * Creates the actor and returns its handle at once; calls made on it wait until it is alive.
     * A named actor is registered before this returns, so a taken name fails here with
     * {@link IllegalArgumentException}.
     */
    public ActorHandle<A> remote() {
        return JRay.runtime().createActor(constructor, args.clone(), options);
    }

    /** The options set so far, read-only. */
    public ActorOptions options() {
        return options;
    }

    private static void checkCount(String what, int n) {
        if (n < -1) {
            throw new IllegalArgumentException(what + " must be >= 0, or -1 for unlimited, got " + n);
        }
    }
}
