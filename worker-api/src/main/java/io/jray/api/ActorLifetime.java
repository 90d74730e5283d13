package io.jray.api;

/**
 * How long an actor lives when nobody kills it. Set with {@link ActorCreator#setLifetime}.
 */
public enum ActorLifetime {
    /**
     * The default: the actor dies with its creator (the process that called {@code remote()}),
     * or as soon as no handle to it remains anywhere in the cluster.
     */
    NON_DETACHED,
    /**
     * The actor outlives its creator and every handle: it lives until {@link ActorHandle#kill()},
     * {@link JRay#exitActor()} inside it, or the cluster stops. Give it a name to find it again
     * from another driver with {@link JRay#getActor(String)}.
     */
    DETACHED
}
