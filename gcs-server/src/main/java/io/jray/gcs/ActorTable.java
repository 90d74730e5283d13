package io.jray.gcs;

import com.google.protobuf.ByteString;
import io.grpc.stub.StreamObserver;
import io.jray.proto.ActorInfo;
import io.jray.proto.GetActorReply;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The actor table: every actor registered, alive or dead, in column family {@code actors} keyed by
 * actor id, and the index of live names (rebuilt from it at start: a name belongs to an actor
 * until it is DEAD). Each change is stored before anyone is told; callers waiting for an actor to
 * change state ({@code GetActor} with {@code wait_for_change}) are answered here.
 *
 * <p>Threads: state of {@code gcs-loop}, which also runs its RocksDB writes.
 */
final class ActorTable {
  private static final Logger LOG = LoggerFactory.getLogger(ActorTable.class);

  /** A caller waiting for an actor to leave the state it knows. */
  private record Waiter(ActorInfo.State known, int knownRestarts, StreamObserver<GetActorReply> reply,
      ScheduledFuture<?> timeout) {}

  private final CachedTable<ByteString, ActorInfo> actors;
  private final Map<String, ByteString> names = new HashMap<>();
  private final Map<ByteString, List<Waiter>> waiters = new HashMap<>();

  ActorTable(GcsStorage storage) {
    this.actors = new CachedTable<>(new PersistentTable<>(storage, GcsStorage.Table.ACTORS, "", Codec.BYTES,
        Codec.proto(ActorInfo.parser())));
    for (ActorInfo a : actors.values()) {
      if (!a.getName().isEmpty() && a.getState() != ActorInfo.State.DEAD) {
        names.put(a.getName(), a.getActorId());
      }
    }
    LOG.info("actor table loaded: {} actors, {} live names", actors.size(), names.size());
  }

  ActorInfo get(ByteString id) {
    return actors.get(id);
  }

  /** The live actor holding {@code name}, or null. */
  ActorInfo named(String name) {
    ByteString id = names.get(name);
    return id == null ? null : actors.get(id);
  }

  List<ActorInfo> all() {
    return actors.all();
  }

  /** Stores a change, keeps the name index true and answers the callers waiting for it. */
  void put(ActorInfo a) {
    ActorInfo before = actors.get(a.getActorId());
    // why it is not placed yet is news for the callers waiting, though its state did not change
    boolean reasonChanged = before != null && !before.getPendingReason().equals(a.getPendingReason());
    actors.put(a.getActorId(), a);
    if (!a.getName().isEmpty()) {
      if (a.getState() == ActorInfo.State.DEAD) {
        names.remove(a.getName(), a.getActorId());
      } else {
        names.put(a.getName(), a.getActorId());
      }
    }
    List<Waiter> ws = waiters.get(a.getActorId());
    if (ws == null) {
      return;
    }
    for (Waiter w : List.copyOf(ws)) {
      if (reasonChanged || w.known != a.getState() || w.knownRestarts != a.getNumRestarts()) {
        ws.remove(w);
        w.timeout.cancel(false);
        answer(w.reply, a);
      }
    }
    if (ws.isEmpty()) {
      waiters.remove(a.getActorId());
    }
  }

  /**
   * Answers when the actor is no longer in {@code known}/{@code knownRestarts}, at once if it is
   * not now; after the timeout with the state as it is then.
   */
  void await(ByteString id, ActorInfo.State known, int knownRestarts, StreamObserver<GetActorReply> reply,
      java.util.function.Function<Runnable, ScheduledFuture<?>> timer) {
    ActorInfo a = actors.get(id);
    if (a == null || a.getState() != known || a.getNumRestarts() != knownRestarts) {
      answer(reply, a);
      return;
    }
    Waiter[] self = new Waiter[1];
    ScheduledFuture<?> t = timer.apply(() -> {
      List<Waiter> ws = waiters.get(id);
      if (ws != null && ws.remove(self[0])) {
        if (ws.isEmpty()) {
          waiters.remove(id);
        }
        answer(reply, actors.get(id));
      }
    });
    self[0] = new Waiter(known, knownRestarts, reply, t);
    waiters.computeIfAbsent(id, k -> new ArrayList<>()).add(self[0]);
  }

  private static void answer(StreamObserver<GetActorReply> reply, ActorInfo a) {
    try {
      reply.onNext(a == null ? GetActorReply.newBuilder().setFound(false).build()
          : GetActorReply.newBuilder().setFound(true).setActor(a).build());
      reply.onCompleted();
    } catch (RuntimeException e) {
      LOG.debug("actor waiter went away: {}", e.toString());
    }
  }
}
