package io.jray.api.spi;

import io.jray.api.ActorHandle;
import io.jray.api.ActorOptions;
import java.util.Optional;

import io.jray.api.ObjectRef;
import io.jray.api.RuntimeContext;
import io.jray.api.TaskOptions;
import io.jray.api.WaitResult;
import java.io.Serializable;
import java.time.Duration;
import java.util.List;

/**
 * Internal: the runtime behind the {@link io.jray.api.JRay} facade, implemented by the core worker
 * (in drivers and workers alike). The facade validates arguments before calling in, so
 * implementations may assume non-null refs, non-negative timeouts and a valid {@code numReturns};
 * a null timeout means wait without limit.
 */
public interface JRayRuntime {
    <T> ObjectRef<T> put(T value);

    <T> T get(ObjectRef<T> ref, Duration timeoutOrNull);

    <T> List<T> get(List<ObjectRef<T>> refs, Duration timeoutOrNull);

    <T> WaitResult<T> wait(List<ObjectRef<T>> refs, int numReturns, Duration timeoutOrNull);

    /**
     * Submits a task. {@code func} is one of the {@code Func}/{@code VoidFunc} interfaces;
     * {@code args} is a fresh array the runtime may keep, each element a plain value or an
     * {@link ObjectRef}.
     */
    <R> ObjectRef<R> submitTask(Serializable func, Object[] args, TaskOptions options);

    /**
     * Cancels the task that makes {@code ref} (see {@code JRay.cancel}); {@code ref} is a task's
     * return, not a put. Returns once the owner has recorded the cancel.
     */
    void cancel(ObjectRef<?> ref, boolean force, boolean recursive);

    /**
     * Creates an actor. {@code constructor} is a {@code Func} naming a constructor or static
     * factory; {@code args} as for {@link #submitTask}. A named actor is registered before this
     * returns.
     */
    <A> ActorHandle<A> createActor(Serializable constructor, Object[] args, ActorOptions options);

    /** Sends a call of an actor method; {@code func} names the method, the actor being its first parameter. */
    <R> ObjectRef<R> submitActorTask(ActorHandle<?> actor, Serializable func, Object[] args, String nameOrNull);

    /** The live actor with this cluster-wide name, if any. */
    <A> Optional<ActorHandle<A>> getActor(String name);

    /** Inside an actor: ends the current call and the actor, for good. */
    void exitActor();

    RuntimeContext runtimeContext();

    /** Releases everything this runtime holds; called at most once by the facade. */
    void shutdown();
}
