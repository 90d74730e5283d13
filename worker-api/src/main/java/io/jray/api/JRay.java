package io.jray.api;

import io.jray.api.spi.JRayRuntime;
import io.jray.api.spi.JRayRuntimeFactory;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * Entry point of the JRay API: connect with {@link #init()}, then run functions remotely with
 * {@code task(...)}, move values with {@link #put}/{@link #get}/{@link #wait}, and stop tasks with
 * {@link #cancel}.
 *
 * <p>A static facade, like Ray's module-level functions, so that task code running inside a
 * worker can call the same API as the driver without a handle being passed around. It holds one
 * {@link JRayRuntime} per JVM; the runtime lives in {@code jray-core-worker} and is found through
 * {@link ServiceLoader} so this module needs no dependencies. Every method may be called from any
 * thread.
 */
public final class JRay extends JRayTaskOverloads {
    // The task(...) overloads (a value or an ObjectRef for each argument, arities 0 to 6) are
    // generated into the package-private superclass JRayTaskOverloads by
    // worker-api/src/build/generate_task_overloads.py; callers and the Javadoc see them as JRay.task.

    static final String NOT_INITIALIZED = "JRay is not initialized: call JRay.init() first";

    private static final Object LOCK = new Object();
    private static volatile JRayRuntime runtime;
    private static boolean shutdownHookRegistered; // guarded by LOCK

    private JRay() {
    }

    /**
     * Connects this JVM as a driver to the cluster at {@code JRAY_ADDRESS}, else the one
     * {@code jray start} left on this machine, else a new local cluster started for this JVM.
     * Does nothing if already initialized.
     */
    public static void init() {
        doInit(null);
    }

    /** Connects this JVM as a driver to the cluster whose GCS is at {@code host:port}. Does nothing if already initialized. */
    public static void init(String address) {
        Objects.requireNonNull(address, "address must not be null; use init() to find a cluster");
        doInit(address);
    }

    private static void doInit(String address) {
        synchronized (LOCK) {
            if (runtime != null) {
                return; // idempotent, like ray.init(ignore_reinit_error=True)
            }
            runtime = findFactory().create(address);
            if (!shutdownHookRegistered) {
                // So a driver that forgets shutdown() still releases its workers and local cluster.
                try {
                    Runtime.getRuntime().addShutdownHook(
                            new Thread(JRay::shutdownQuietly, "jray-shutdown-hook"));
                    shutdownHookRegistered = true;
                } catch (IllegalStateException alreadyShuttingDown) {
                    // The JVM is exiting anyway; nothing to hook into.
                }
            }
        }
    }

    private static JRayRuntimeFactory findFactory() {
        // The context loader sees application class paths (e.g. app servers); ours is the fallback.
        Iterator<JRayRuntimeFactory> it = ServiceLoader.load(JRayRuntimeFactory.class).iterator();
        if (!it.hasNext()) {
            it = ServiceLoader.load(JRayRuntimeFactory.class, JRay.class.getClassLoader()).iterator();
        }
        if (!it.hasNext()) {
            throw new IllegalStateException("No JRay runtime found: add the jray-core-worker jar to the"
                    + " class path (no io.jray.api.spi.JRayRuntimeFactory service is registered)");
        }
        return it.next();
    }

    /** Disconnects this JVM from the cluster and releases the runtime. Does nothing if not initialized. */
    public static void shutdown() {
        JRayRuntime r;
        synchronized (LOCK) {
            r = runtime;
            runtime = null;
        }
        if (r != null) {
            r.shutdown();
        }
    }

    private static void shutdownQuietly() {
        try {
            shutdown();
        } catch (RuntimeException e) {
            System.err.println("JRay shutdown hook failed: " + e);
        }
    }

    /** Whether {@link #init()} (or a worker's runtime) has set up a runtime in this JVM. */
    public static boolean isInitialized() {
        return runtime != null;
    }

    /**
     * Internal, for worker processes: the core worker installs its runtime here so task code can
     * use the API without calling {@code init}. Null uninstalls it. Not for application code.
     */
    public static void internalSetRuntime(JRayRuntime newRuntime) {
        synchronized (LOCK) {
            runtime = newRuntime;
        }
    }

    static JRayRuntime runtime() {
        JRayRuntime r = runtime;
        if (r == null) {
            throw new IllegalStateException(NOT_INITIALIZED);
        }
        return r;
    }

    /** Stores {@code value} in the object store, owned by this process, and returns a ref to it. */
    public static <T> ObjectRef<T> put(T value) {
        return runtime().put(value);
    }

    /** Blocks until the object is ready and returns its value, or throws its failure. */
    public static <T> T get(ObjectRef<T> ref) {
        Objects.requireNonNull(ref, "ref must not be null");
        return runtime().get(ref, null);
    }

    /** Like {@link #get(ObjectRef)}, giving up with {@link io.jray.api.exception.GetTimeoutException} after {@code timeout}. */
    public static <T> T get(ObjectRef<T> ref, Duration timeout) {
        Objects.requireNonNull(ref, "ref must not be null");
        checkTimeout(timeout);
        return runtime().get(ref, timeout);
    }

    /** The values of all {@code refs}, in order, blocking until all are ready. */
    public static <T> List<T> get(List<ObjectRef<T>> refs) {
        checkRefs(refs);
        return runtime().get(refs, null);
    }

    /** Like {@link #get(List)}, giving up after {@code timeout} for the whole list. */
    public static <T> List<T> get(List<ObjectRef<T>> refs, Duration timeout) {
        checkRefs(refs);
        checkTimeout(timeout);
        return runtime().get(refs, timeout);
    }

    /**
     * Like {@link #get(List)}, showing how many of {@code refs} are ready while it waits (a bar on
     * a terminal, lines otherwise): {@code JRay.get(refs, Progress.bar("maps"))}.
     */
    public static <T> List<T> get(List<ObjectRef<T>> refs, Progress progress) {
        checkRefs(refs);
        Objects.requireNonNull(progress, "progress must not be null");
        return progress.get(refs);
    }

    /** Blocks until every ref is ready; see {@link #wait(List, int, Duration)}. */
    public static <T> WaitResult<T> wait(List<ObjectRef<T>> refs) {
        checkRefs(refs);
        return wait(refs, refs.size());
    }

    /** Blocks until {@code numReturns} refs are ready, without a time limit. */
    public static <T> WaitResult<T> wait(List<ObjectRef<T>> refs, int numReturns) {
        checkWait(refs, numReturns);
        return runtime().wait(refs, numReturns, null);
    }

    /**
     * Blocks until {@code numReturns} of {@code refs} are ready (a failed object counts as
     * ready) or {@code timeout} passes, whichever comes first, without fetching values. Requires
     * {@code 0 <= numReturns <= refs.size()}.
     */
    public static <T> WaitResult<T> wait(List<ObjectRef<T>> refs, int numReturns, Duration timeout) {
        checkWait(refs, numReturns);
        checkTimeout(timeout);
        return runtime().wait(refs, numReturns, timeout);
    }

    /**
     * Cancels the task whose result {@code ref} is: {@code cancel(ref, false, true)}. See
     * {@link #cancel(ObjectRef, boolean, boolean)}.
     */
    public static void cancel(ObjectRef<?> ref) {
        cancel(ref, false, true);
    }

    /**
     * Cancels the task whose result {@code ref} is, from its owner or from any process holding
     * the ref (the request goes to the owner). Once this returns, {@code get} on {@code ref}
     * raises {@link io.jray.api.exception.TaskCancelledException}, unless the task had finished
     * already: then nothing changes and its value stays. A cancelled task is never retried,
     * whatever {@code maxRetries} says, and calling this again changes nothing. If the owner
     * cannot be reached, the task is gone with it ({@code get} raises
     * {@link io.jray.api.exception.OwnerDiedException}) and this does nothing.
     *
     * <ul>
     *   <li>A task that has not started (waiting for its arguments or for a worker) is removed and
     *       never runs.
     *   <li>A running task is interrupted ({@link Thread#interrupt()} on the thread running it).
     *       It ends cancelled even if its code ignores the interrupt and returns a value.
     *   <li>{@code force}: the worker process running the task is killed instead (for code that
     *       does not respond to interrupts). A second call with {@code force} kills the worker
     *       of a task still running after a first cancel. Not allowed for actor calls (it would
     *       kill the actor): {@link IllegalArgumentException}.
     *   <li>{@code recursive}: the tasks the cancelled task submitted are cancelled as well
     *       (and theirs), with the same {@code force}.
     * </ul>
     *
     * @throws IllegalArgumentException if {@code ref} was made by {@link #put}: no task makes it
     */
    public static void cancel(ObjectRef<?> ref, boolean force, boolean recursive) {
        Objects.requireNonNull(ref, "ref must not be null");
        if (ref.id().isPut()) {
            throw new IllegalArgumentException("cannot cancel " + ref.id() + ": it was made by JRay.put,"
                    + " not by a task; pass the ref a task(...).remote() call returned");
        }
        runtime().cancel(ref, force, recursive);
    }

    /**
     * The live actor named {@code name} (names are cluster-wide), or empty if there is none or it
     * is dead. Works from drivers, tasks and actors. The handle does not keep the actor alive.
     *
     * @param <A> the actor's class, as the caller expects it
     */
    public static <A> Optional<ActorHandle<A>> getActor(String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("Actor name must not be null or blank");
        }
        return runtime().getActor(name);
    }

    /**
     * Inside an actor method: ends the current call and the actor, for good (no restart). The
     * caller of the current call and of every later one gets
     * {@link io.jray.api.exception.ActorDiedException}; the actor's name is released and its
     * process exits. Throws {@link IllegalStateException} outside an actor.
     */
    public static void exitActor() {
        runtime().exitActor();
    }

    /** Where the calling code runs: job, node, worker, task and actor ids. */
    public static RuntimeContext runtimeContext() {
        return runtime().runtimeContext();
    }

    private static void checkRefs(List<? extends ObjectRef<?>> refs) {
        Objects.requireNonNull(refs, "refs must not be null");
        for (int i = 0; i < refs.size(); i++) {
            if (refs.get(i) == null) {
                throw new NullPointerException("refs[" + i + "] is null");
            }
        }
    }

    private static void checkWait(List<? extends ObjectRef<?>> refs, int numReturns) {
        checkRefs(refs);
        if (numReturns < 0 || numReturns > refs.size()) {
            throw new IllegalArgumentException("numReturns must be between 0 and refs.size() ("
                    + refs.size() + "), got " + numReturns);
        }
    }

    private static void checkTimeout(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout must not be null; use the overload without a timeout");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("timeout must not be negative, got " + timeout);
        }
    }
}
