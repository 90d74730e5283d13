package io.jray.api;

import java.io.Serializable;
import java.util.Objects;

/**
 * A call of an actor method being prepared by {@code handle.task(...)}; {@link #remote()} sends
 * it. The actor runs one caller's calls in the order their {@code remote()} returned, including
 * calls whose {@link ObjectRef} arguments become ready out of order.
 *
 * @param <R> result type of the method ({@link Void} for void methods)
 */
public final class ActorTaskCaller<R> {
    private final ActorHandle<?> actor;
    private final Serializable func;
    private final Object[] args;
    private String name;

    ActorTaskCaller(ActorHandle<?> actor, Serializable func, Object[] args) {
        this.actor = Objects.requireNonNull(actor, "actor handle must not be null");
        this.func = Objects.requireNonNull(func, "actor method must not be null");
        this.args = args;
    }

    /** A display name for logs and {@code jray list}; null clears it. */
    public ActorTaskCaller<R> setName(String name) {
        if (name != null && name.isBlank()) {
            throw new IllegalArgumentException("Call name must not be blank");
        }
        this.name = name;
        return this;
    }

    /**
     * Sends the call and returns a ref to its result at once. Blocks (never drops the call) while
     * this process already has the actor's {@code maxPendingCalls} calls unanswered.
     */
    public ObjectRef<R> remote() {
        return JRay.runtime().submitActorTask(actor, func, args.clone(), name);
    }
}
