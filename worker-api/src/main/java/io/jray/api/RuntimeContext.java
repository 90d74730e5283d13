package io.jray.api;

/**
 * Where the calling code is running: which job, node, process, task and actor. Obtained from
 * {@link JRay#runtimeContext()}; useful for logging and for node-affinity scheduling.
 */
public interface RuntimeContext {
    /** The job this process works for. */
    JobId jobId();

    /** The node this process runs on. */
    NodeId nodeId();

    /** This process (driver or worker). */
    WorkerId workerId();

    /** The task now running on this thread; a driver has a root task id of its own. */
    TaskId taskId();

    /** The actor this process hosts, or null outside an actor. */
    ActorId actorId();

    /** True inside an actor that was rebuilt after a failure, so it can reload its state. */
    boolean wasRestarted();

    /** True in the driver (the user's JVM after {@code JRay.init}), false in a worker. */
    boolean isDriver();
}
