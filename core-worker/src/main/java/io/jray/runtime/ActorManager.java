package io.jray.runtime;

import com.google.protobuf.ByteString;
import io.jray.api.ActorHandle;
import io.jray.api.ActorId;
import io.jray.api.ActorLifetime;
import io.jray.api.ActorOptions;
import io.jray.api.JobId;
import io.jray.api.ObjectId;
import io.jray.api.TaskId;
import io.jray.common.gcs.GcsClient;
import io.jray.common.proto.ProtoIds;
import io.jray.proto.ActorInfo;
import io.jray.proto.Address;
import io.jray.proto.KillActorRequest;
import io.jray.proto.TaskSpec;
import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Actors as this process sees them (DESIGN §4 steps 5-6): creating one (registering it with GCS,
 * resolving the constructor's arguments, then asking GCS to place it), the handle objects that
 * count its handles (an owned object per non-detached actor created here: when it is freed no
 * handle is left anywhere and GCS is told to destroy the actor), lookups by name and kills.
 *
 * <p>Threads: any; blocking GCS calls run on the caller's thread (creation, lookups, kills) or on
 * the {@code actor-events} executor (an out-of-scope report, decided on a freeing thread).
 */
final class ActorManager {
  private static final Logger LOG = LoggerFactory.getLogger(ActorManager.class);

  private final JobId jobId;
  private final Address self;
  private final OwnershipTable table;
  private final DependencyResolver resolver;
  private final Supplier<GcsClient> gcs;
  private final Supplier<ObjectId> nextPutId;
  private final Supplier<TaskId> currentTask;
  private final Executor background;
  /** Handle objects owned here, by object: their actor. */
  private final ConcurrentHashMap<ObjectId, ActorId> handleObjects = new ConcurrentHashMap<>();

  ActorManager(JobId jobId, Address self, OwnershipTable table, DependencyResolver resolver,
      Supplier<GcsClient> gcs, Supplier<ObjectId> nextPutId, Supplier<TaskId> currentTask, Executor background) {
    this.jobId = jobId;
    this.self = self;
    this.table = table;
    this.resolver = resolver;
    this.gcs = gcs;
    this.nextPutId = nextPutId;
    this.currentTask = currentTask;
    this.background = background;
  }

  private GcsClient gcs() {
    GcsClient g = gcs.get();
    if (g == null) {
      throw new IllegalStateException("this process is not connected to GCS yet");
    }
    return g;
  }

  <A> ActorHandle<A> create(Serializable constructor, Object[] args, ActorOptions options) {
    ActorConstructor ctor = ActorConstructor.of(constructor);
    if (args.length != ctor.arity()) {
      throw new IllegalArgumentException(ctor.displayName + " takes " + ctor.arity() + " arguments, got "
          + args.length);
    }
    boolean detached = options.lifetime() == ActorLifetime.DETACHED;
    Map<String, Double> held = new LinkedHashMap<>(ctor.explicitResources);
    held.putAll(options.resources());
    held.values().removeIf(v -> v == 0.0);
    // Ray's rule: without resources of its own an actor needs a CPU to be placed and holds none
    Map<String, Double> placement = held.isEmpty() ? Map.of("CPU", 1.0) : held;
    ActorId id = ActorId.random();
    ByteString idBytes = ProtoIds.bytes(id);
    int maxConcurrency = options.maxConcurrency() != null ? options.maxConcurrency() : Math.max(1, ctor.maxConcurrency);
    ActorInfo.Builder info = ActorInfo.newBuilder().setActorId(idBytes).setJobId(ProtoIds.bytes(jobId))
        .setClassName(ctor.actorClass.getName()).setDetached(detached)
        .setMaxRestarts(options.maxRestarts() != null ? options.maxRestarts() : ctor.maxRestarts)
        .setMaxTaskRetries(options.maxTaskRetries() != null ? options.maxTaskRetries() : ctor.maxTaskRetries)
        .setMaxConcurrency(maxConcurrency).setMaxPendingCalls(options.maxPendingCalls())
        .putAllResources(held).putAllPlacementResources(placement).addAllJvmOptions(options.jvmOptions())
        .setOwner(detached ? self.toBuilder().clearWorkerId().build() : self);
    if (options.name() != null) {
      info.setName(options.name());
    }
    // Encoded before anything is registered: an argument that cannot be serialized changes nothing.
    DependencyResolver.Arguments arguments = resolver.encode(args, ctor.displayName);
    ActorInfo registered = info.build();
    gcs().registerActor(registered); // the name check; IllegalArgumentException when it is taken
    ObjectRefImpl<?> handleRef = null;
    if (!detached) {
      ObjectId handleId = nextPutId.get();
      handleRef = table.addReady(handleId, ObjectValue.of(new byte[0]), self);
      handleObjects.put(handleId, id);
    }
    TaskId creationId = TaskId.random();
    TaskSpec.Builder spec = TaskSpec.newBuilder().setTaskId(ProtoIds.bytes(creationId)).setJobId(ProtoIds.bytes(jobId))
        .setFunction(ctor.descriptor).setOwner(self).setParentTaskId(ProtoIds.bytes(currentTask.get()))
        .setReturnObjectId(ProtoIds.bytes(TaskManager.returnIdOf(creationId))).setActorId(idBytes)
        .setActorCreation(true).setReturnsVoid(true);
    PendingTask t = new PendingTask(spec.getTaskId(), TaskManager.returnIdOf(creationId), ctor.displayName,
        spec.getParentTaskId(), arguments.contained());
    // the constructor may run again on a restart: its arguments' refs live as long as this process
    java.util.List<io.jray.api.ObjectRef<?>> keep = new java.util.ArrayList<>(arguments.contained());
    t.onFail = error -> background.execute(() -> {
      LOG.warn("actor {} ({}): a constructor argument failed: {}", id, ctor.displayName, error.getMessage());
      gcs().killActor(KillActorRequest.newBuilder().setActorId(idBytes).setNoRestart(true)
          .setReason("an argument of its constructor failed: " + error.getMessage()).build());
    });
    resolver.resolve(t, spec, arguments, resolved -> {
      if (resolved.storedArgs != null) {
        resolved.storedArgs.stream().filter(java.util.Objects::nonNull).forEach(keep::add);
      }
      ActorInfo withCreation = registered.toBuilder().setCreation(resolved.spec).build();
      background.execute(() -> {
        try {
          gcs().createActor(withCreation);
        } catch (RuntimeException e) {
          LOG.error("actor {} ({}): GCS did not take its creation: {}", id, ctor.displayName, e.toString());
        }
        keepArguments(id, keep);
      });
    });
    LOG.info("actor {} ({}) submitted{}{}", id, ctor.displayName, options.name() == null ? "" : " as '"
        + options.name() + "'", detached ? ", detached" : "");
    return new ActorHandleImpl<>(id, ctor.actorClass.getName(), options.maxPendingCalls(), handleRef);
  }

  /** Constructor arguments by actor: kept for restarts, which re-run the constructor. */
  private final ConcurrentHashMap<ActorId, java.util.List<io.jray.api.ObjectRef<?>>> constructorArgs =
      new ConcurrentHashMap<>();

  private void keepArguments(ActorId id, java.util.List<io.jray.api.ObjectRef<?>> refs) {
    if (!refs.isEmpty()) {
      constructorArgs.put(id, refs);
    }
  }

  /** An object owned here was freed: if it counted an actor's handles, no handle is left anywhere. */
  void freed(ObjectId id) {
    ActorId actor = handleObjects.remove(id);
    if (actor == null) {
      return;
    }
    constructorArgs.remove(actor);
    background.execute(() -> {
      try {
        LOG.info("actor {}: no handle to it remains; asking GCS to destroy it", actor);
        gcs().killActor(KillActorRequest.newBuilder().setActorId(ProtoIds.bytes(actor)).setNoRestart(true)
            .setOutOfScope(true).build());
      } catch (RuntimeException e) {
        LOG.warn("actor {}: could not report that it went out of scope: {}", actor, e.toString());
      }
    });
  }

  <A> Optional<ActorHandle<A>> named(String name) {
    return gcs().getNamedActor(name).filter(a -> a.getState() != ActorInfo.State.DEAD)
        .map(a -> new ActorHandleImpl<>(ProtoIds.actorId(a.getActorId()), a.getClassName(),
            a.getMaxPendingCalls() > 0 ? a.getMaxPendingCalls() : ActorOptions.DEFAULT_MAX_PENDING_CALLS, null));
  }

  void kill(ActorId id) {
    if (!gcs().killActor(KillActorRequest.newBuilder().setActorId(ProtoIds.bytes(id)).setNoRestart(true)
        .setReason("killed through a handle").build())) {
      throw new IllegalArgumentException("GCS does not know actor " + id);
    }
    LOG.info("actor {} killed", id);
  }

  /** The actor hosted here ended itself: GCS records it dead for good before the process exits. */
  void exited(ActorId id) {
    try {
      gcs().killActor(KillActorRequest.newBuilder().setActorId(ProtoIds.bytes(id)).setNoRestart(true)
          .setExitingItself(true).build());
    } catch (RuntimeException e) {
      LOG.warn("actor {}: could not tell GCS it exits: {}", id, e.toString());
    }
  }
}
