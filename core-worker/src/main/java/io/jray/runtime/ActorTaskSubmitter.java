package io.jray.runtime;

import io.jray.api.ActorId;
import io.jray.common.concurrent.EventLoop;
import io.jray.common.gcs.GcsClient;
import io.jray.common.grpc.ChannelPool;
import java.util.concurrent.ConcurrentHashMap;
import io.jray.proto.Address;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Sends this process's actor calls (DESIGN §4 step 5): one {@link ActorQueue} per actor called
 * from here, made on first use (by the creator, or by whoever received a handle), living as long
 * as this process. What a call's result means is the {@link TaskManager}'s to decide, as for
 * normal tasks.
 *
 * <p>Threads: any; the map is concurrent and each queue guards its own state.
 */
final class ActorTaskSubmitter implements TaskSubmitter {
  private final ConcurrentHashMap<ActorId, ActorQueue> queues = new ConcurrentHashMap<>();
  private final TaskManager tasks;
  private final ChannelPool channels;
  private final Supplier<GcsClient> gcs;
  private final EventLoop timers;
  private final Predicate<Address> onDeadNode;

  ActorTaskSubmitter(TaskManager tasks, ChannelPool channels, Supplier<GcsClient> gcs, EventLoop timers,
      Predicate<Address> onDeadNode) {
    this.onDeadNode = onDeadNode;
    this.tasks = tasks;
    this.channels = channels;
    this.gcs = gcs;
    this.timers = timers;
  }

  ActorQueue queue(ActorId id, String className, int maxPendingCalls) {
    return queues.computeIfAbsent(id, k -> new ActorQueue(k, className, maxPendingCalls, tasks, channels, gcs,
        timers, onDeadNode));
  }

  @Override
  public CancelOutcome cancel(PendingTask t, boolean force, boolean recursive) {
    if (!t.actorCall) {
      return null;
    }
    for (ActorQueue q : queues.values()) {
      CancelOutcome o = q.cancel(t, recursive);
      if (o != null) {
        return o;
      }
    }
    return null;
  }

  @Override
  public boolean forceAgain(com.google.protobuf.ByteString taskId, boolean recursive) {
    return false; // force is refused for actor calls (it would kill the actor)
  }

  /** The queue of an actor called from here, or null. */
  ActorQueue existing(ActorId id) {
    return queues.get(id);
  }
}
