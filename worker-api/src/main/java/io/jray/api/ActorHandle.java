package io.jray.api;

/**
 * A reference to an actor: a remote object whose methods run, one caller's calls in that caller's
 * order, in a worker process of its own. Obtained from {@code JRay.actor(...).remote()} or
 * {@link JRay#getActor(String)}; calls are made with {@code handle.task(Counter::add, 5).remote()}.
 *
 * <p>A handle is {@link java.io.Serializable}: it may be passed in task arguments and results and
 * used from tasks and other actors. Handles count like object refs: a non-detached actor is
 * destroyed once no handle to it remains anywhere (and when its creator dies). Handles found by
 * name do not keep an actor alive.
 *
 * @param <A> the actor's class
 */
public interface ActorHandle<A> extends ActorCall<A>, java.io.Serializable {
    /** The actor's id, the same across its restarts. */
    ActorId id();

    /**
     * Kills the actor for good: its process exits, it is not restarted even with restarts left,
     * calls in flight and later calls raise {@link io.jray.api.exception.ActorDiedException}, and
     * its name is released. Returns once GCS has recorded the death. Killing a dead actor does
     * nothing.
     */
    void kill();
}
